import type { ToolFailure } from '../tool';
import {
  failureFromHttp,
  failureFromNetwork,
  parseJson,
  retryAfterHeader,
  type HostedService,
} from '../hosted/hosted-failures';

/** An error answer of fal's queue, as the fetch below caught it: status, headers and body, whole. */
export class FalHttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly headers: Headers,
    readonly body: string,
  ) {
    super(`fal answered ${httpStatus}`);
    this.name = 'FalHttpError';
  }
}

/** A network failure under fal's SDK, wrapped so the SDK does not retry it (see `falFetch`). */
export class FalNetworkError extends Error {
  constructor(readonly original: unknown) {
    super('fal could not be reached');
    this.name = 'FalNetworkError';
  }
}

/**
 * The `fetch` handed to fal's SDK. Its queue calls retry 429, 5xx and dropped connections up to three to
 * five times each whatever the client's `retry` setting says (per-call settings win); the runner must be
 * the one layer that retries, with the service's own verdict (`X-Fal-Retryable`) and delay. So every error
 * answer and network failure is thrown here as an error the SDK does not recognise as retryable, which it
 * passes straight up.
 */
export function falFetch(rewrite: (url: string) => string) {
  return async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(rewrite(url instanceof Request ? url.url : url.toString()), init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      throw new FalNetworkError(error);
    }
    if (res.ok) return res;
    throw new FalHttpError(res.status, res.headers, await res.text().catch(() => ''));
  };
}

/** fal's error body: `{ "detail": "…" }` or a validation list `{ "detail": [{ "loc", "msg", "type" }] }`. */
interface FalProblem {
  detail?: unknown;
  error_type?: string;
}

/** Maps what a fal SDK call threw to a typed failure. */
export function falFailure(error: unknown, service: HostedService, signal: AbortSignal): ToolFailure {
  if (error instanceof FalNetworkError) return failureFromNetwork(error.original, service, signal);
  if (!(error instanceof FalHttpError)) return failureFromNetwork(error, service, signal);
  const problem = parseJson<FalProblem>(error.body);
  const items = Array.isArray(problem?.detail)
    ? (problem.detail as Array<{ msg?: unknown; type?: unknown; loc?: unknown }>)
    : [];
  const said =
    typeof problem?.detail === 'string'
      ? problem.detail
      : items.length > 0
        ? items.map((d) => `${String(d.msg)}${d.loc ? ` (${JSON.stringify(d.loc)})` : ''}`).join('; ')
        : error.body.slice(0, 300);
  const flag = error.headers.get('x-fal-retryable')?.trim().toLowerCase();
  return failureFromHttp(
    {
      status: error.httpStatus,
      said: `${said}${problem?.error_type ? ` [${problem.error_type}]` : ''}`,
      retryAfterMs: retryAfterHeader(error.headers.get('retry-after')),
      safety: items.some((d) => d.type === 'content_policy_violation') || /content policy|nsfw/i.test(said),
      quota: /exhausted balance|insufficient (balance|credit)|locked/i.test(said),
      retryable: flag === 'true' ? true : flag === 'false' ? false : undefined,
    },
    service,
  );
}
