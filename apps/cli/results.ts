import type { ScoreBreakdown } from '../../libs/core/run-events';
import type { RunDetail, RunItemView } from '../../libs/runs/run-views';
import type { SkippedCase } from '../../libs/runs/scorability.service';
import { join } from 'node:path';
import { renderTable } from './terminal-table';

/**
 * The `run --json` contract (docs/cli.md §7.3):
 * `{run_id, items:[{id, case_id, tool_id, status, image_path, score, error}]}`.
 */
export interface RunResultJson {
  run_id: string;
  status: string;
  items: Array<{
    id: number;
    case_id: string;
    tool_id: string;
    variant: string;
    sample: number;
    status: string;
    image_path: string | null;
    score: number | null;
    error: string | null;
    cached: boolean;
    breakdown: ScoreBreakdown | null;
    scorer_version: string | null;
  }>;
  /** One row per variant (a tool's own id when the run gave it no label). */
  tools: ToolSummaryRow[];
  /** How many outputs came from the cache instead of a tool call. */
  from_cache: number;
  /** Selected cases left out by `--skip-unscorable` because the scorer cannot score them. */
  skipped: SkippedCase[];
}

interface ToolSummaryRow {
  tool_id: string;
  variant: string;
  items: number;
  scored: number;
  failed: number;
  mean_score: number | null;
}

/** `run --json`: image paths made absolute inside `runsRoot`, the runs folder. */
export function toResultJson(
  detail: RunDetail,
  runsRoot: string,
  skipped: SkippedCase[] = [],
): RunResultJson {
  const root = runsRoot;
  return {
    run_id: detail.id,
    status: detail.status,
    items: detail.items.map((item) => ({
      id: item.id,
      case_id: item.case_id,
      tool_id: item.tool_id,
      variant: item.variant,
      sample: item.sample,
      status: item.status,
      image_path: item.image_path ? join(root, ...item.image_path.split('/')) : null,
      score: item.score,
      error: item.error,
      cached: item.cached,
      breakdown: item.breakdown,
      scorer_version: item.scorer_version,
    })),
    tools: toolRows(detail),
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

function toolRows(detail: RunDetail): ToolSummaryRow[] {
  return detail.variants.map((variant) => {
    const items = detail.items.filter((i) => i.variant === variant.label);
    const scores = items.map((i) => i.score).filter((s): s is number => s !== null);
    return {
      tool_id: variant.tool_id,
      variant: variant.label,
      items: items.length,
      scored: items.filter((i) => i.status === 'scored').length,
      failed: items.filter((i) => i.status === 'failed').length,
      mean_score: scores.length ? round1(scores.reduce((a, b) => a + b, 0) / scores.length) : null,
    };
  });
}

/** A cases × variants table of scores (or statuses; the mean over samples), then a summary and any errors. */
export function resultsTable(detail: RunDetail): string {
  const labels = detail.variants.map((v) => v.label);
  const rows = detail.case_ids.map((caseId) => [
    caseId,
    ...labels.map((label) => cell(detail.items.filter((i) => i.case_id === caseId && i.variant === label))),
  ]);
  const summary = toolRows(detail);
  rows.push(['mean', ...summary.map((r) => (r.mean_score === null ? '—' : r.mean_score.toFixed(1)))]);
  const errors = detail.items
    .filter((i) => i.error && i.status === 'failed')
    .map((i) => `  ${i.case_id} × ${i.variant}${detail.samples > 1 ? ` #${i.sample}` : ''}: ${i.error}`);
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
  const scores = items.map((i) => i.score).filter((s): s is number => s !== null);
  if (scores.length === 0) return items[0].status;
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return `${mean.toFixed(1)} (${scores.length}/${items.length})`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
