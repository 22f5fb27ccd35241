import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { inviteUrl, ROLES } from '../../accounts/account-input';
import {
  AccountsService,
  LIFETIME_MS,
  type AccountListing,
  type Credentials,
  type SignedIn,
} from '../../accounts/accounts.service';
import { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { UserError } from '../../core/user-error';
import { SESSION_COOKIE } from '../http/account-gate';
import { AdminOnly, SignedInAs } from '../http/roles.guard';
import { ZodBody } from '../http/zod-body.pipe';

const loginSchema = z.union([
  z.object({ invite: z.string().max(200), token: z.boolean().optional() }).strict(),
  z
    .object({ name: z.string().max(100), password: z.string().max(200), token: z.boolean().optional() })
    .strict(),
]);

const passwordBody = z.object({ password: z.string() }).strict();

const inviteBody = z.object({ name: z.string(), role: z.enum(ROLES) }).strict();

/** Who is signed in, as `POST /api/login` and `GET /api/account` answer. */
interface AccountView {
  name: string;
  role: string;
}

/**
 * Accounts of team mode (docs/api.md §2.0): signing in and out, setting a password, and the admin's
 * invitations. In the single-user mode there are no accounts: these routes answer 404.
 */
@ApiTags('accounts')
@Controller('api')
export class AccountController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly settings: SwapbenchSettings,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiBody({ schema: z.toJSONSchema(loginSchema) as object })
  @ApiOkResponse({
    description:
      '`{name, role, expires_at}` and the session cookie; with `token: true`, `{name, role, token, expires_at}` ' +
      'and no cookie. A wrong invite, name or password is a 401.',
  })
  async login(
    @Body(new ZodBody(loginSchema)) body: z.infer<typeof loginSchema>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AccountView & { expires_at: string; token?: string }> {
    this.requireTeamMode();
    const credentials: Credentials =
      'invite' in body ? { invite: body.invite } : { name: body.name, password: body.password };
    const kind = body.token ? 'token' : 'session';
    const started = await this.accounts.signIn(credentials, kind);
    const view = { name: started.account.name, role: started.account.role, expires_at: started.expires_at };
    res.setHeader('Cache-Control', 'no-store');
    if (kind === 'token') return { ...view, token: started.secret };
    res.cookie(SESSION_COOKIE, started.secret, {
      httpOnly: true,
      sameSite: 'strict',
      // Behind a TLS proxy (X-Forwarded-Proto from a trusted address) or on TLS itself.
      secure: req.secure,
      path: '/',
      maxAge: LIFETIME_MS.session,
    });
    return view;
  }

  @Post('logout')
  @HttpCode(200)
  @ApiOkResponse({ description: '`{signed_out: name}`: this session (or bearer token) no longer works.' })
  async logout(
    @SignedInAs() account: SignedIn | null,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ signed_out: string }> {
    const who = this.signedIn(account);
    await this.accounts.signOut(who);
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    return { signed_out: who.name };
  }

  @Get('account')
  @ApiOkResponse({ description: '`{name, role}` of whoever the session or token belongs to.' })
  account(@SignedInAs() account: SignedIn | null): AccountView {
    const who = this.signedIn(account);
    return { name: who.name, role: who.role };
  }

  @Post('account/password')
  @HttpCode(200)
  @ApiBody({ schema: z.toJSONSchema(passwordBody) as object })
  @ApiOkResponse({
    description: '`{name, password_set: true}`: from now on, sign in with name and password.',
  })
  async setPassword(
    @Body(new ZodBody(passwordBody)) body: z.infer<typeof passwordBody>,
    @SignedInAs() account: SignedIn | null,
  ): Promise<{ name: string; password_set: true }> {
    const who = this.signedIn(account);
    await this.accounts.setPassword(who, body.password);
    return { name: who.name, password_set: true };
  }

  @Get('accounts')
  @AdminOnly()
  @ApiOkResponse({
    description: 'Every account: `[{name, role, created_at, password_set, invite_pending, signed_in}]`.',
  })
  listAccounts(): Promise<AccountListing[]> {
    this.requireTeamMode();
    return this.accounts.list();
  }

  @Post('accounts')
  @AdminOnly()
  @HttpCode(201)
  @ApiBody({ schema: z.toJSONSchema(inviteBody) as object })
  @ApiOkResponse({
    description: '`{name, role, invite, url, invite_expires_at}`: the one-time invite, shown once.',
  })
  async invite(@Body(new ZodBody(inviteBody)) body: z.infer<typeof inviteBody>, @Req() req: Request) {
    this.requireTeamMode();
    const created = await this.accounts.add(body.name, body.role);
    const base = this.settings.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    return {
      name: created.name,
      role: created.role,
      invite: created.invite,
      url: inviteUrl(base, created.invite),
      invite_expires_at: created.invite_expires_at,
    };
  }

  private requireTeamMode(): void {
    if (!this.settings.teamMode) {
      throw new UserError('There are no accounts: this server is not in team mode (docs/team.md)', 404);
    }
  }

  private signedIn(account: SignedIn | null): SignedIn {
    this.requireTeamMode();
    if (!account) throw new UserError('Sign in first: POST /api/login', 401);
    return account;
  }
}
