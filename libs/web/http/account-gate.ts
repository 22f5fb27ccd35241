import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { AccountsService, SignedIn } from '../../accounts/accounts.service';

/** The session cookie's name (docs/api.md §2.0). */
export const SESSION_COOKIE = 'swapbench_session';

/** A request once the gate has let it through: who sent it (team mode only). */
export interface AccountRequest extends IncomingMessage {
  account?: SignedIn;
}

/** Why a request is refused: the status (401, or 503 when the database cannot say) and the message. */
export interface Refusal {
  status: 401 | 503;
  error: string;
}

/**
 * What anyone may ask for in team mode: the sign-in call, the login page and the client build's assets
 * (hashed, the same for everyone; the login page needs its script). Everything else needs a session.
 */
export function isPublicRoute(method: string, path: string): boolean {
  const read = method === 'GET' || method === 'HEAD';
  return (
    (method === 'POST' && path === '/api/login') ||
    (read && (path === '/login' || path.startsWith('/_astro/')))
  );
}

/** Query parameters that would carry a secret in a URL, where logs, history and Referer headers keep it. */
const SECRET_PARAMETERS = ['token', 'access_token', 'bearer', 'session', SESSION_COOKIE];

/** The pages a person opens in the browser: signed out, they show the login form (with status 401). */
const PAGES = new Set(['/', '/arena', '/admin']);

const WWW_AUTHENTICATE = 'Bearer realm="swapbench"';

/**
 * The sign-in check of team mode (docs/api.md §2.0), in front of every route: the JSON API, the pages and
 * fragments, SSE, the data folders' files, and the two live sockets' handshakes. A browser presents its
 * session cookie, the CLI `Authorization: Bearer <token>`; anything else is a 401 (never a 5xx), and what
 * a request may do once signed in is the roles guard's business (roles.guard.ts).
 */
export class AccountGate {
  private readonly logger = new Logger('AccountGate');

  constructor(
    private readonly accounts: AccountsService,
    /** Answers a signed-out page request with the login page and status 401. */
    private readonly loginPage: (res: Response) => Promise<void>,
  ) {}

  /** Who sent the request, null for a public route, or why it is refused. */
  async check(req: IncomingMessage): Promise<{ account: SignedIn | null } | { refusal: Refusal }> {
    const url = new URL(req.url ?? '/', 'http://swapbench');
    const secretInQuery = SECRET_PARAMETERS.find((name) => url.searchParams.has(name));
    if (secretInQuery) {
      return {
        refusal: {
          status: 401,
          error: `A token in the query string ("${secretInQuery}") is refused: send it as an Authorization: Bearer header`,
        },
      };
    }
    if (isPublicRoute(req.method ?? 'GET', url.pathname)) return { account: null };
    try {
      return await this.identify(req);
    } catch (error) {
      // The database did not answer: say so, but never let a sign-in check crash the request.
      this.logger.error(`Cannot check a sign-in: ${(error as Error).message}`);
      return { refusal: { status: 503, error: 'Cannot check your sign-in now; try again shortly' } };
    }
  }

  private async identify(req: IncomingMessage): Promise<{ account: SignedIn } | { refusal: Refusal }> {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization);
      if (!bearer) return refused('Authorization: give "Bearer <token>"');
      const account = await this.accounts.authenticate(bearer[1], 'token');
      return account ? { account } : refused('The bearer token is not valid (mistyped, revoked or expired)');
    }
    const session = cookieOf(req, SESSION_COOKIE);
    if (session === null) return refused('Sign in first: POST /api/login, or open /login');
    const account = await this.accounts.authenticate(session, 'session');
    return account ? { account } : refused('Your session has ended; sign in again at /login');
  }

  /** Express middleware: lets a request through with `req.account` set, or answers 401 (or 503). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      this.check(req).then(
        async (outcome) => {
          if ('account' in outcome) {
            if (outcome.account) (req as AccountRequest).account = outcome.account;
            return next();
          }
          const { status, error } = outcome.refusal;
          if (status === 401) res.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
          // A signed-out person opening a page gets the login form in its place.
          if (
            status === 401 &&
            req.method === 'GET' &&
            PAGES.has(req.path) &&
            req.accepts('html') === 'html'
          ) {
            return this.loginPage(res.status(401));
          }
          res.status(status).json({ error });
        },
        (error: unknown) => next(error),
      );
    };
  }
}

function refused(error: string): { refusal: Refusal } {
  return { refusal: { status: 401, error } };
}

/** One cookie's value from the request's `Cookie` header, or null (a malformed value counts as absent). */
export function cookieOf(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}
