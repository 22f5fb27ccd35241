import { UserError } from '../../libs/core/user-error';

/** Parses `all` or a comma-separated list of ids. */
export function parseSelection(value: string, what: string): string[] | 'all' {
  const trimmed = value.trim();
  if (trimmed === 'all') return 'all';
  const ids = trimmed
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UserError(`--${what} needs \`all\` or a comma-separated list of ids`);
  return ids;
}

/** Parses a whole number within bounds, naming the option on error. */
export function parseWholeNumber(value: string, option: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${option} must be a whole number from ${min} to ${max}; got "${value}"`);
  }
  return n;
}

export function parseScore(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new UserError(`${option} must be a score from 0 to 100; got "${value}"`);
  }
  return n;
}
