import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai';
import type { ToolFailure } from '../../tool';
import { redactSecrets } from '../../../core/secret-redaction';

/** What the mapper needs to write a message a person can act on. */
export interface ProviderCallContext {
  /** Who answered, for messages: `OpenAI` or the configured tool's name. */
  provider: string;
  /** The base URL that was called (already stripped of credentials). */
  baseURL: string;
  model: string;
  /** Name of the variable holding the key, so messages can say which one to fix. */
  apiKeyEnv: string | null;
  /** Values to strip from any provider text that reaches the message. */
  secrets: readonly (string | undefined)[];
  /** The SDK timeout, for the timeout message. */
  timeoutMs: number;
  /** What to tell a user whose model the provider does not serve. */
  modelNotFoundHint?: string;
}

/** The parts of the SDK's APIError this file reads; structural, so every status subclass fits. */
interface ProviderError {
  error: unknown;
  message: string;
  code?: string | null;
  type?: string;
  param?: string | null;
}

/**
 * Turns whatever an OpenAI SDK call threw into a typed failure: retryable for rate limits, timeouts,
 * 5xx and dropped connections; final for everything a retry cannot fix. Messages never contain the key:
 * provider text is redacted, and a 401 never quotes the provider at all.
 */
export function toolFailureFromError(error: unknown, ctx: ProviderCallContext): ToolFailure {
  const said = (e: ProviderError): string => redactSecrets(providerMessage(e), ctx.secrets);
  const keyName = ctx.apiKeyEnv ?? 'the configured key variable';

  if (error instanceof APIUserAbortError)
    return final('aborted', 'The request was canceled before the provider answered.');
  if (error instanceof APIConnectionTimeoutError) {
    return retryable(
      'timeout',
      `${ctx.provider} did not answer within ${Math.round(ctx.timeoutMs / 1000)} s (${ctx.baseURL}).`,
    );
  }
  if (error instanceof APIConnectionError) {
    const cause = connectionCause(error);
    return retryable(
      'connection',
      `Could not reach ${ctx.provider} at ${ctx.baseURL}${cause ? ` (${cause})` : ''}. Is the server running and the URL right?`,
    );
  }
  if (error instanceof AuthenticationError) {
    return final(
      'auth',
      `${ctx.provider} rejected the API key from ${keyName} (401). Set ${keyName} to a valid key.`,
    );
  }
  if (error instanceof PermissionDeniedError) {
    return final(
      'forbidden',
      `The key from ${keyName} may not use model "${ctx.model}" (403): ${said(error)}`,
    );
  }
  if (error instanceof BadRequestError) {
    if (isSafetyRefusal(error))
      return final('safety', `Refused by ${ctx.provider}'s safety system (400): ${said(error)}`);
    return final(
      'bad_request',
      `${ctx.provider} refused the request as invalid (400${paramNote(error)}): ${said(error)}`,
    );
  }
  if (error instanceof NotFoundError) {
    if (error.code === 'model_not_found' || /model/i.test(providerMessage(error))) {
      return final(
        'model_not_found',
        `${ctx.provider} does not serve model "${ctx.model}" (404). ${ctx.modelNotFoundHint ?? "Set the tool's `model` option to a model it serves."}`,
      );
    }
    return final(
      'not_found',
      `${ctx.baseURL} has no such endpoint (404): ${said(error)}. Check the base URL; it usually ends in /v1.`,
    );
  }
  if (error instanceof UnprocessableEntityError) {
    return final(
      'unprocessable',
      `${ctx.provider} could not process the request (422${paramNote(error)}): ${said(error)}`,
    );
  }
  if (error instanceof RateLimitError) {
    // An exhausted quota is also a 429, but waiting does not refill it.
    if (error.code === 'insufficient_quota')
      return final('quota', `The account behind ${keyName} has no quota left (429): ${said(error)}`);
    const wait = retryAfterMs(error.headers);
    return {
      retryable: true,
      code: 'rate_limited',
      message: `${ctx.provider} is rate limiting requests (429): ${said(error)}`,
      retryAfterMs: wait,
    };
  }
  if (error instanceof InternalServerError) {
    return {
      retryable: true,
      code: 'server_error',
      message: `${ctx.provider} failed on its side (${error.status}): ${said(error)}`,
      retryAfterMs: retryAfterMs(error.headers),
    };
  }
  if (error instanceof APIError && error.status !== undefined) {
    // 408 and 409 are the SDK's own retry cases (request timeout, lock contention); other codes are final.
    if (error.status === 408 || error.status === 409)
      return retryable(`http_${error.status}`, `${ctx.provider} answered ${error.status}: ${said(error)}`);
    return final(`http_${error.status}`, `${ctx.provider} answered ${error.status}: ${said(error)}`);
  }
  if (error instanceof SyntaxError) {
    return final('bad_output', `${ctx.provider} answered 200 with a body that is not valid JSON.`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return final('unexpected', `Calling ${ctx.provider} failed: ${redactSecrets(message, ctx.secrets)}`);
}

/**
 * Milliseconds to wait before trying again, from `retry-after-ms` (OpenAI's own header) or `retry-after`
 * (seconds or an HTTP date). Undefined when the provider gave no usable hint.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isSafetyRefusal(error: ProviderError): boolean {
  return (
    error.code === 'moderation_blocked' ||
    error.code === 'content_policy_violation' ||
    error.type === 'image_generation_user_error' ||
    /safety system/i.test(providerMessage(error))
  );
}

/** The provider's own sentence, without the SDK's `400 ` prefix. */
function providerMessage(error: ProviderError): string {
  const body: unknown = error.error;
  if (
    typeof body === 'object' &&
    body !== null &&
    'message' in body &&
    typeof body.message === 'string' &&
    body.message
  ) {
    return body.message;
  }
  return error.message.replace(/^\d{3}\s+/, '') || 'no details given';
}

function paramNote(error: ProviderError): string {
  return error.param ? `, parameter "${error.param}"` : '';
}

/** The socket-level reason (`ECONNREFUSED`, `ENOTFOUND`…) buried in fetch's error chain. */
function connectionCause(error: Error): string | undefined {
  let current: unknown = error.cause;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function final(code: string, message: string): ToolFailure {
  return { retryable: false, code, message };
}

function retryable(code: string, message: string): ToolFailure {
  return { retryable: true, code, message };
}
