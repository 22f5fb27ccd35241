import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', 'localhost', '::1']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Protects a server on the user's machine from other web pages. The `Host` header must name this
 * machine (so a DNS-rebinding page cannot reach it under its own name), and a request with an `Origin`
 * — a browser's cross-site request — must come from the same host. `open` (an explicit `--host`) lifts
 * the host check but keeps the origin check.
 */
export class LocalOnly {
  constructor(private readonly open: boolean) {}

  /** Why the request is refused, or null to let it through. */
  refusal(req: IncomingMessage, stateChanging: boolean): string | null {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.open && !LOOPBACK_NAMES.includes(host.replace(/:\d+$/, ''))) {
      return `Host "${host.slice(0, 100)}" is not this machine; open swapbench as http://localhost`;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && (stateChanging || origin === 'null')) {
      let originHost: string;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        return 'Malformed Origin header';
      }
      if (originHost !== host) return `Requests from ${origin.slice(0, 100)} are not allowed`;
    }
    return null;
  }

  /** Express middleware answering refused requests with 403 `{error}`. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const reason = this.refusal(req, !SAFE_METHODS.has(req.method));
      if (reason) return res.status(403).json({ error: reason });
      next();
    };
  }
}

/** Whether listening on `address` keeps the server reachable from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK_ADDRESSES.has(address.toLowerCase());
}

/**
 * Why the server may not listen on `address`, or null when it may. An address other machines can reach
 * needs accounts, which only team mode has (docs/team.md): without them anyone on the network could run,
 * rate and delete. `option` names where the address came from (`--host`, `HOST`).
 */
export function openBindRefusal(address: string, teamMode: boolean, option: string): string | null {
  if (isLoopbackAddress(address) || teamMode) return null;
  return (
    `${option} ${address}: other machines could reach swapbench, which has no accounts outside team mode. ` +
    'Keep the default 127.0.0.1, or set SWAPBENCH_DATABASE_URL and SWAPBENCH_REDIS_URL for team mode, ' +
    'where everyone signs in (docs/team.md).'
  );
}

/** The note printed when a team server listens on an address other machines can reach. */
export function openBindNote(address: string): string {
  return `Listening on ${address}: reachable from other machines; every request must be signed in (team mode).`;
}

/**
 * Headers every response carries: no sniffing, no framing, no referrer leaks, and a CSP that lets
 * nothing load or run (JSON, images, sidecars). The web app's pages replace it with their own.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
}
