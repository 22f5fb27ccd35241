/** Anything shaped like an OpenAI-style key (`sk-…`, `sk-proj-…`), even partly masked with `*`. */
const KEY_PATTERN = /\bsk-[A-Za-z0-9_*.-]{4,}/g;

/**
 * Removes secrets from text that is about to reach a person, a log, the database or an event. Providers
 * echo keys back in their error messages (OpenAI's 401 quotes a masked key), so every provider message
 * passes through here before it becomes a `ToolFailure.message`.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would redact ordinary words; real keys are long.
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out.replace(KEY_PATTERN, '[redacted]');
}

/** Names of environment variables that hold secrets by convention. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;

/**
 * The values of this process's secret-looking environment variables (`OPENAI_API_KEY`, a config file's
 * `api_key_env`, ...): the last line of defence redacts them from every error the runner stores, even
 * one thrown by a plugin that never redacted its own messages.
 */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= 8)
    .map(([, value]) => value as string);
}

/** A base URL fit for metadata: user name and password, if any were written into it, are dropped. */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '[invalid url]';
  }
}
