import type { RunDetail, RunItemView } from '../../libs/runs/run-views';
import type { RunEstimate } from '../../libs/runs/run-estimate';
import type { SkippedCase } from '../../libs/runs/scorability.service';
import { itemRecord, type ItemRecord } from '../../libs/results/run-export';
import { meanScore, variantSummaries, type VariantSummary } from '../../libs/results/variant-scores';
import { renderTable } from './terminal-table';

/** The fields of an item in `run --json`, in order. */
const RESULT_ITEM_FIELDS = [
  'id',
  'case_id',
  'tool_id',
  'variant',
  'sample',
  'status',
  'image_path',
  'score',
  'error',
  'error_code',
  'cached',
  'breakdown',
  'scorer_version',
] as const;

/**
 * The `run --json` contract (docs/cli.md §7.3):
 * `{run_id, items:[{id, case_id, tool_id, status, image_path, score, error}]}`.
 */
export interface RunResultJson {
  run_id: string;
  status: string;
  items: Array<ItemRecord<(typeof RESULT_ITEM_FIELDS)[number]>>;
  /**
   * One row per variant (a tool's own id when the run gave it no label): `mean_score` counts a failed or
   * refused item as 0, `mean_scored` is over scored items only, both rounded to 0.1.
   */
  tools: VariantSummary[];
  /** How many outputs came from the cache instead of a tool call. */
  from_cache: number;
  /** Selected cases left out by `--skip-unscorable` because the scorer cannot score them. */
  skipped: SkippedCase[];
}

/** `run --json`: image paths made absolute inside `runsRoot`, the runs folder. */
export function toResultJson(
  detail: RunDetail,
  runsRoot: string,
  skipped: SkippedCase[] = [],
): RunResultJson {
  return {
    run_id: detail.id,
    status: detail.status,
    items: detail.items.map((item) => itemRecord(item, RESULT_ITEM_FIELDS, runsRoot)),
    tools: variantSummaries(detail).map((row) => ({
      ...row,
      mean_score: row.mean_score === null ? null : round1(row.mean_score),
      mean_scored: row.mean_scored === null ? null : round1(row.mean_scored),
    })),
    from_cache: detail.items.filter((i) => i.cached).length,
    skipped,
  };
}

/** The cases a run left out, one line each (nothing when none were). */
export function skippedLines(skipped: SkippedCase[]): string {
  if (skipped.length === 0) return '';
  const lines = skipped.map((s) => `  ${s.case_id}: ${s.reason}`);
  return `Skipped ${skipped.length} case${skipped.length === 1 ? '' : 's'} the scorer cannot score:\n${lines.join('\n')}\n`;
}

/** A cases × variants table of scores (or statuses; the mean over samples), then a summary and any errors. */
export function resultsTable(detail: RunDetail): string {
  const labels = detail.variants.map((v) => v.label);
  const rows = detail.case_ids.map((caseId) => [
    caseId,
    ...labels.map((label) => cell(detail.items.filter((i) => i.case_id === caseId && i.variant === label))),
  ]);
  const summaries = variantSummaries(detail);
  const shown = (n: number | null) => (n === null ? '—' : round1(n).toFixed(1));
  const rate = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);
  rows.push(
    ['mean', ...summaries.map((r) => shown(r.mean_score))],
    ['mean scored', ...summaries.map((r) => shown(r.mean_scored))],
    ['success', ...summaries.map((r) => rate(r.success_rate))],
    ['refused', ...summaries.map((r) => rate(r.refusal_rate))],
  );
  const errors = detail.items
    .filter((i) => i.error && i.status === 'failed')
    .map(
      (i) =>
        `  ${i.case_id} × ${i.variant}${detail.samples > 1 ? ` #${i.sample}` : ''}: [${i.error_code ?? 'other'}] ${i.error}`,
    );
  const p = detail.progress;
  const cached = detail.items.filter((i) => i.cached).length;
  const lines = [
    `Run ${detail.id} ${detail.status}: ${p.scored} scored, ${p.failed} failed, ${p.canceled} canceled of ${p.total}` +
      `; ${cached} from cache` +
      (detail.samples > 1 ? `; ${detail.samples} samples per cell, cells show their mean` : ''),
    renderTable(['case', ...labels], rows),
  ];
  if (errors.length) lines.push('Failures:', ...errors);
  return lines.join('\n');
}

function cell(items: RunItemView[]): string {
  if (items.length === 0) return '';
  if (items.length === 1) {
    const [item] = items;
    if (item.status === 'scored' && item.score !== null)
      return `${item.score.toFixed(1)}${item.cached ? ' (cached)' : ''}`;
    return item.status;
  }
  const mean = meanScore(items);
  if (mean === null) return items[0].status;
  return `${mean.toFixed(1)} (${items.filter((i) => i.status === 'scored').length}/${items.length})`;
}

/** `run --dry-run`: per variant its items, calls and estimated cost, then the total. */
export function estimateTable(estimate: RunEstimate): string {
  const usd = (n: number | null) => (n === null ? 'unknown' : `$${n.toFixed(n < 1 ? 4 : 2)}`);
  const rows = estimate.variants.map((v) => [
    v.variant,
    v.tool_id,
    String(v.items),
    String(v.calls),
    usd(v.price_per_item_usd),
    usd(v.est_cost_usd),
  ]);
  const lines = [
    'Dry run: nothing was called or stored.',
    renderTable(['variant', 'tool', 'items', 'calls', 'per item', 'estimated cost'], rows),
    `Total estimated cost: ${usd(estimate.total_est_cost_usd)}` +
      (estimate.unpriced.length > 0
        ? ` (without ${estimate.unpriced.join(', ')}: no price known; set one in the config file's "prices")`
        : ''),
  ];
  return lines.join('\n') + '\n';
}

/** Rounds a mean for display (the JSON's `mean_score`, the table); gates compare the unrounded mean. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
