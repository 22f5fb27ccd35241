import type { ToolFailure } from '../tool';
import {
  delayFromText,
  failureFromHttp,
  failureFromNetwork,
  parseJson,
  retryAfterHeader,
  socketCause,
  type HostedService,
} from '../hosted/hosted-failures';

/** Header the fetch below puts on a rewritten answer, holding the service's real status. */
const REAL_STATUS = 'x-swapbench-status';
/** Header of the stand-in answer for a request that never got one (connection refused, reset…). */
const NETWORK_ERROR = 'x-swapbench-network-error';

/**
 * The `fetch` handed to the Replicate SDK. The SDK retries every 429 (and 5xx of GETs) up to five times
 * by itself and offers no switch to turn that off; the runner must be the one layer that retries, with
 * the service's delay. So an answer the SDK would retry is passed on with status 400 and its real status
 * in a header: the SDK throws at once, and `replicateFailure` reads the real status back. A request that
 * got no answer at all becomes such an answer too, since the SDK also retries whatever its fetch throws.
 */
export async function replicateFetch(url: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    // The item's own abort stays an abort; each further try of the SDK fails at once.
    if (init?.signal?.aborted) throw error;
    const cause = socketCause(error) ?? (error instanceof Error ? error.name : 'error');
    return new Response('', { status: 400, headers: { [NETWORK_ERROR]: cause } });
  }
  if (res.status !== 429 && res.status < 500) return res;
  const headers = new Headers(res.headers);
  headers.set(REAL_STATUS, String(res.status));
  return new Response(await res.text(), { status: 400, statusText: res.statusText, headers });
}

/** Replicate's problem body: `{ "title", "detail", "status" }`. */
interface ReplicateProblem {
  title?: string;
  detail?: unknown;
}

/**
 * Maps what a Replicate SDK call threw to a typed failure. A 429's delay is in the `detail` sentence
 * (`"Request was throttled. Expected available in 30 seconds."`), or in `Retry-After` when present.
 */
export function replicateFailure(error: unknown, service: HostedService, signal: AbortSignal): ToolFailure {
  // The SDK's ApiError class is not exported at run time; it is known by its name and its response.
  const apiError = error as Error & { response?: unknown };
  if (!(error instanceof Error) || error.name !== 'ApiError' || !(apiError.response instanceof Response))
    return failureFromNetwork(error, service, signal);
  const res = apiError.response;
  const network = res.headers.get(NETWORK_ERROR);
  if (network)
    return {
      retryable: true,
      code: 'connection',
      message: `Could not reach ${service.name} at ${service.baseUrl} (${network}).`,
    };
  const status = Number(res.headers.get(REAL_STATUS) ?? res.status);
  // The SDK's message ends with the body it read: `… failed with status 429 Too Many Requests: {…}.`
  const body = /failed with status \d+[^:]*: ([\s\S]*)\.$/.exec(error.message)?.[1] ?? '';
  const problem = parseJson<ReplicateProblem>(body);
  const detail =
    typeof problem?.detail === 'string'
      ? problem.detail
      : problem?.detail
        ? JSON.stringify(problem.detail)
        : body.slice(0, 300);
  return failureFromHttp(
    {
      status,
      said: detail,
      retryAfterMs:
        retryAfterHeader(res.headers.get('retry-after')) ??
        (status === 429 ? delayFromText(detail) : undefined),
      quota: status === 402 || /insufficient credit|billing/i.test(detail),
      safety: /NSFW|sensitive content|flagged/i.test(detail),
    },
    service,
  );
}
