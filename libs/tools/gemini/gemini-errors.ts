import type { ToolFailure } from '../tool';
import {
  delayFromText,
  failureFromHttp,
  failureFromNetwork,
  parseJson,
  type HostedService,
} from '../hosted/hosted-failures';

/** Google's error body: `{ error: { code, message, status, details: [{ '@type', retryDelay, … }] } }`. */
interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; retryDelay?: string; reason?: string; violations?: unknown[] }>;
  };
}

/**
 * Maps what a `generateContent` call threw to a typed failure. The SDK's `ApiError` carries the body as
 * JSON text in its message; a 429's delay is in that body (`google.rpc.RetryInfo.retryDelay`, e.g.
 * `"36s"`), not in a header.
 */
export function geminiFailure(error: unknown, service: HostedService, signal: AbortSignal): ToolFailure {
  // The SDK is loaded on first use, so its ApiError is known by its name and status, not its class.
  const apiError = error as Error & { status?: unknown };
  if (!(error instanceof Error) || error.name !== 'ApiError' || typeof apiError.status !== 'number')
    return failureFromNetwork(error, service, signal);
  const body = parseJson<GoogleErrorBody>(error.message);
  const details = body?.error?.details ?? [];
  const retryInfo = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
  const status = body?.error?.status ?? '';
  const said = `${body?.error?.message ?? error.message}${status ? ` [${status}]` : ''}`;
  // An invalid key is a 400 with reason API_KEY_INVALID, not a 401.
  const badKey = details.some((d) => d.reason === 'API_KEY_INVALID');
  return failureFromHttp(
    {
      status: badKey ? 401 : apiError.status,
      said,
      retryAfterMs: delayFromText(retryInfo?.retryDelay),
      // A 429 whose quota metric says the daily or free-tier limit is 0 is not a short wait.
      quota: apiError.status === 429 && /limit:\s*0\b/.test(said),
    },
    service,
  );
}
