import { createHash } from 'node:crypto';

/**
 * The Content-Security-Policy of the web app's pages. Scripts come only from this server (the bundled
 * client under `/_astro/`); the one inline `<style>` — the shared stylesheet, static per build — is
 * allowed by its hash, never by `'unsafe-inline'`, so markup injected through a case title or a tool's
 * error could neither run a script nor add a stylesheet. Style *attributes* stay allowed: the shared
 * components size thumbnails and score bars with them, and an attribute can only style, not run code.
 * Connections (fetch, Socket.IO, WebSocket) go to this server only; no page may frame the app.
 */
export function pagePolicy(inlineStyles: string | null): string {
  const styleHash =
    inlineStyles === null ? '' : ` 'sha256-${createHash('sha256').update(inlineStyles).digest('base64')}'`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${styleHash}`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
