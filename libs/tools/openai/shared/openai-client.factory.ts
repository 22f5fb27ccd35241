import OpenAI from 'openai';

/** Where an OpenAI-speaking server lives and how to authenticate, read from the environment at call time. */
export interface OpenAIEndpoint {
  /** The key, or null when the variable that should hold it is not set. */
  apiKey: string | null;
  /** Name of the environment variable the key comes from, for messages (never the key itself). */
  apiKeyEnv: string | null;
  /** Base URL ending in `/v1`; undefined means the SDK default (api.openai.com). */
  baseURL: string | undefined;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The official OpenAI endpoint: `OPENAI_API_KEY` and, for proxies and tests, `OPENAI_BASE_URL`. */
export function openAIEndpoint(env: NodeJS.ProcessEnv = process.env): OpenAIEndpoint {
  return {
    apiKey: env.OPENAI_API_KEY?.trim() || null,
    apiKeyEnv: 'OPENAI_API_KEY',
    baseURL: env.OPENAI_BASE_URL?.trim() || undefined,
  };
}

/**
 * Key sent to self-hosted servers configured without `api_key_env`: the SDK refuses to send a request
 * with no key, and servers started without `--api-key` ignore the header.
 */
const NO_KEY = 'no-key-configured';

/**
 * Builds an SDK client with its own retries off: the swapbench runner is the one layer that retries
 * (with backoff and `Retry-After`), so a 429 must come back to it at once rather than after the SDK's
 * two hidden attempts. `timeoutMs` is a backstop; the run item's abort signal normally ends a call first.
 */
export function createOpenAIClient(endpoint: OpenAIEndpoint, timeoutMs: number, thirdParty = false): OpenAI {
  return new OpenAI({
    apiKey: endpoint.apiKey ?? NO_KEY,
    baseURL: endpoint.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    timeout: timeoutMs,
    maxRetries: 0,
    // OpenAI's organization and project headers belong to OpenAI; a third-party server must not receive them.
    ...(thirdParty ? { organization: null, project: null } : {}),
  });
}
