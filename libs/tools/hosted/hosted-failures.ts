import { final, retryable, type ToolFailure } from '../tool';
import { redactSecrets } from '../../core/secret-redaction';

/** Who was called, for messages a person can act on; the secrets are listed only to be redacted. */
export interface HostedService {
  /** The service's name in messages, e.g. `Gemini`, `Black Forest Labs`. */
  name: string;
  /** The base URL that was called, stripped of credentials. */
  baseUrl: string;
  /** Variable the key comes from, so messages can say which one to fix. */
  keyEnv: string;
  model: string;
  /** Values that must never reach a message (the key). */
  secrets: readonly (string | undefined)[];
}

/** What an HTTP error answer said, already read from the body. */
export interface HttpErrorAnswer {
  status: number;
  /** The service's own sentence, unredacted (this function redacts it). */
  said: string;
  /** The service's delay hint, when it gave one. */
  retryAfterMs?: number;
  /** True when the service's own words say the request broke its content rules. */
  safety?: boolean;
  /** True when the service says the account has no credit or quota left (waiting does not help). */
  quota?: boolean;
  /** The service's explicit verdict on retrying (fal's `X-Fal-Retryable`), overriding the status. */
  retryable?: boolean;
}

/**
 * Maps a service's HTTP error answer to the typed failures of the runner: rate limits (with the
 * service's delay), 408/409 and 5xx are retryable; auth, permission, quota, safety, bad request and
 * not found are final. The service's text is redacted; a 401 never quotes it at all.
 */
export function failureFromHttp(answer: HttpErrorAnswer, service: HostedService): ToolFailure {
  const said = redactSecrets(answer.said || 'no details given', service.secrets);
  const { status } = answer;
  const name = service.name;
  let failure: ToolFailure;
  if (answer.safety) failure = final('safety', `Refused by ${name}'s safety system (${status}): ${said}`);
  else if (status === 401)
    failure = final(
      'auth',
      `${name} rejected the API key from ${service.keyEnv} (401). Set ${service.keyEnv} to a valid key.`,
    );
  else if (answer.quota || status === 402)
    failure = final(
      'quota',
      `The account behind ${service.keyEnv} has no credit or quota left (${status}): ${said}`,
    );
  else if (status === 403)
    failure = final(
      'forbidden',
      `The key from ${service.keyEnv} may not use "${service.model}" (403): ${said}`,
    );
  else if (status === 404)
    failure = final(
      'not_found',
      `${name} has no "${service.model}" or no such endpoint at ${service.baseUrl} (404): ${said}`,
    );
  else if (status === 400 || status === 422)
    failure = final('bad_request', `${name} refused the request as invalid (${status}): ${said}`);
  else if (status === 429)
    failure = {
      retryable: true,
      code: 'rate_limited',
      message: `${name} is rate limiting requests (429): ${said}`,
      retryAfterMs: answer.retryAfterMs,
    };
  else if (status >= 500)
    failure = {
      retryable: true,
      code: 'server_error',
      message: `${name} failed on its side (${status}): ${said}`,
      retryAfterMs: answer.retryAfterMs,
    };
  else if (status === 408 || status === 409)
    failure = retryable(`http_${status}`, `${name} answered ${status}: ${said}`);
  else failure = final(`http_${status}`, `${name} answered ${status}: ${said}`);
  if (answer.retryable !== undefined && failure.code !== 'auth') failure.retryable = answer.retryable;
  return failure;
}

/**
 * A thrown network-level error as a typed failure: the item's own abort is final (the runner records it
 * as canceled or timed out), a fetch timeout and a dropped connection are retryable.
 */
export function failureFromNetwork(error: unknown, service: HostedService, signal: AbortSignal): ToolFailure {
  if (signal.aborted) return final('aborted', `The request to ${service.name} was canceled.`);
  const err = error as Error & { code?: unknown; cause?: unknown };
  if (err?.name === 'TimeoutError')
    return retryable('timeout', `${service.name} did not answer in time (${service.baseUrl}).`);
  const cause = socketCause(err);
  if (err?.name === 'AbortError')
    return retryable('timeout', `The request to ${service.name} was cut off before it answered.`);
  if (err instanceof TypeError || cause)
    return retryable(
      'connection',
      `Could not reach ${service.name} at ${service.baseUrl}${cause ? ` (${cause})` : ''}.`,
    );
  const message = err instanceof Error ? err.message : String(error);
  return final('unexpected', `Calling ${service.name} failed: ${redactSecrets(message, service.secrets)}`);
}

/** The socket-level reason (`ECONNREFUSED`, `UND_ERR_SOCKET`…) buried in fetch's error chain. */
export function socketCause(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * A delay written in words or in Google's duration form: `36s`, `1.5s`, `~30s`, `in 30 seconds`,
 * `500ms`. Returns milliseconds, or undefined when the text holds no delay.
 */
export function delayFromText(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const match = /(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|secs|seconds?)\b/i.exec(text);
  if (!match) return undefined;
  const value = Number.parseFloat(match[1]);
  return Math.round(/^ms|^milli/i.test(match[2]) ? value : value * 1000);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds. */
export function retryAfterHeader(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number.parseFloat(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A service's JSON body, or null when the text is not JSON (an error page, a cut answer). */
export function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
