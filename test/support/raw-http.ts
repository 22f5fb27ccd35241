import { request } from 'node:http';

/** A response as it came off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of one raw request; unlike fetch, any header may be set (Host, Origin, Content-Length...). */
export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/**
 * Sends one HTTP request to `base` exactly as given, for tests of header checks and hostile input.
 * Rejects after `timeoutMs` (default 10 s) so a hanging server fails the test instead of stalling it.
 */
export function rawRequest(base: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'GET',
        path: req.path,
        headers: req.headers,
        timeout: req.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${req.method ?? 'GET'} ${req.path} timed out`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** The `error` field of a JSON error body, or throws saying what came instead. */
export function errorOf(res: RawResponse): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw new Error(`status ${res.status}: body is not JSON: ${res.body.slice(0, 200)}`);
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'string' || error.length === 0)
    throw new Error(`status ${res.status}: no "error" string in ${res.body.slice(0, 200)}`);
  return error;
}
