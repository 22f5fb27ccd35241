import { UserError } from '../../libs/core/user-error';
import type { VariantSummary } from '../../libs/results/variant-scores';
import { round1 } from './results';

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

/**
 * The variants below the gate, as `label (mean)`; a variant with no score is below any gate. The means are
 * compared unrounded (49.95 is below 50); the one shown is rounded to 0.1 unless that would hide why it
 * is below.
 */
export function belowGate(variants: VariantSummary[], gate: FailUnder): string[] {
  if (gate === null) return [];
  return variants.flatMap((v) => {
    const limit = typeof gate === 'number' ? gate : gate[v.variant];
    if (limit === undefined || (v.mean_score !== null && v.mean_score >= limit)) return [];
    if (v.mean_score === null) return [`${v.variant} (no score)`];
    const shown =
      round1(v.mean_score) < limit ? round1(v.mean_score) : Math.floor(v.mean_score * 100 + 1e-9) / 100;
    return [`${v.variant} (${shown})`];
  });
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
