/** Ids of cases and tools: lower-case letters, digits, `_` and `-`, starting with a letter or digit. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value);
}
