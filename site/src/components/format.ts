/** Display formatting shared by every component, so the app and the report print numbers the same way. */
import type { ItemStatus } from '../../../libs/core/run-events';

export const STATUS_LABEL: Record<ItemStatus, string> = {
  queued: 'queued',
  generating: 'generating',
  generated: 'generated',
  evaluating: 'evaluating',
  scored: 'scored',
  failed: 'failed',
  canceled: 'canceled',
};

export function score(value: number | null): string {
  return value === null ? '—' : value.toFixed(1);
}

/** Score band for colouring badges; the thresholds are visual only. */
export function scoreBand(value: number | null): 'none' | 'low' | 'mid' | 'high' {
  if (value === null) return 'none';
  return value >= 70 ? 'high' : value >= 40 ? 'mid' : 'low';
}

export function ms(value: number | null): string {
  if (value === null) return '—';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

export function duration(value: number | null): string {
  if (value === null) return '—';
  const s = Math.round(value / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function usd(value: number | null): string {
  if (value === null) return '—';
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/** ISO timestamp as a readable UTC date-time; UTC so the report says the same thing everywhere. */
export function date(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** A breakdown value as shown: a verdict as it is, a number to two decimals (whole numbers as they are). */
export function breakdownValue(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Breakdown keys are evaluator names like `identity_target`; show them as words. */
export function breakdownLabel(key: string): string {
  return key.replace(/[_-]+/g, ' ');
}

export function starsText(stars: number | null): string {
  return stars === null ? 'unrated' : `${stars} of 5 stars`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The mean stars over raters and how many rated (`4.5 ★ · 2 raters`); empty when nobody has. */
export function starsSummary(mean: number | null, raters: number): string {
  return mean === null ? '' : `${mean.toFixed(1)} ★ · ${plural(raters, 'rater')}`;
}

/** Scorer versions as prose: `2.0.0 and (unversioned)`, `1.0.0, 2.0.0 and 2.1.0`. */
export function scorerVersionList(versions: Array<string | null>): string {
  const names = versions.map((v) => v ?? '(unversioned)');
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
