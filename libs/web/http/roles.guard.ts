import {
  CanActivate,
  createParamDecorator,
  Injectable,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { SignedIn } from '../../accounts/accounts.service';
import { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { UserError } from '../../core/user-error';
import { isPublicRoute, type AccountRequest } from './account-gate';

const ADMIN_ONLY = 'swapbench:admin-only';

/**
 * Marks a route (or every route of a controller) that only an admin may call in team mode: starting and
 * canceling runs, creating and deleting cases, inviting people. A rater gets a 403.
 */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** The account the request comes from (team mode), or null in the single-user mode. */
export const SignedInAs = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SignedIn | null =>
    context.switchToHttp().getRequest<AccountRequest>().account ?? null,
);

/**
 * What a signed-in account may do (docs/api.md §2.0). The gate (account-gate.ts) has already answered
 * every request without a session; this refuses a rater an admin's route, and — should a route ever be
 * reached without the gate — refuses a request without an account too. Off in the single-user mode.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly settings: SwapbenchSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.settings.teamMode || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & AccountRequest>();
    if (!req.account) {
      if (isPublicRoute(req.method, req.path)) return true;
      throw new UserError('Sign in first: POST /api/login, or open /login', 401);
    }
    const adminOnly = this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (adminOnly && req.account.role !== 'admin') {
      throw new UserError(
        `${req.method} ${req.path.slice(0, 200)}: only an admin may do this (${req.account.name} is a ${req.account.role})`,
        403,
      );
    }
    return true;
  }
}
