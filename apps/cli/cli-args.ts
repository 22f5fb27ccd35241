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

/** A score gate: one score for every variant, one per label, or none. */
export type FailUnder = number | Record<string, number> | null;

/** The variants of a result below the gate, as `label (mean)`; a variant with no score is below any gate. */
export function belowGate(
  result: { tools: Array<{ variant: string; mean_score: number | null }> },
  gate: FailUnder,
): string[] {
  if (gate === null) return [];
  return result.tools
    .filter((t) => {
      const limit = typeof gate === 'number' ? gate : gate[t.variant];
      return limit !== undefined && (t.mean_score === null || t.mean_score < limit);
    })
    .map((t) => `${t.variant} (${t.mean_score ?? 'no score'})`);
}

/**
 * Parses `--tool-option <tool>.<name>=<value>` values into options per tool. Values stay text here; the
 * run reads them as the option's type (`steps=20` a number, `hd=true` a boolean) from the tool's specs.
 */
export function parseToolOptions(values: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const value of values) {
    const match = /^([a-z0-9][a-z0-9_-]*)\.([A-Za-z0-9_-]+)=(.*)$/s.exec(value);
    if (!match)
      throw new UserError(
        `--tool-option must look like <tool>.<name>=<value> (e.g. baseline_gpt.quality=low); got "${value}"`,
      );
    const [, tool, name, raw] = match;
    (out[tool] ??= {})[name] = raw;
  }
  return out;
}
