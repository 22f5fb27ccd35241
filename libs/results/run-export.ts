import { join } from 'node:path';
import type { ScoreBreakdown } from '../core/run-events';
import type { RunDetail, RunItemView } from '../runs/run-views';

/** The fixed columns of `export` (docs/cli.md §9), in order; one column per breakdown part follows in CSV. */
export const EXPORT_COLUMNS = [
  'run_id',
  'item_id',
  'case_id',
  'tool_id',
  'variant',
  'sample',
  'status',
  'score',
  'stars_mean',
  'stars_n',
  'latency_ms',
  'cost_usd',
  'error',
  'image_path',
] as const;

type ExportValue = string | number | null;

/** One exported item: the fixed columns, and its breakdown (nested in JSON, spread into columns in CSV). */
export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], ExportValue> & {
  breakdown: ScoreBreakdown | null;
};

/**
 * One row per item of the run, in the run's order. `image_path` is absolute (inside `runsRoot`, the runs
 * folder), as `run --json` gives it.
 */
export function exportRows(detail: RunDetail, runsRoot: string): ExportRow[] {
  const root = runsRoot;
  return detail.items.map((item) => ({
    run_id: detail.id,
    item_id: item.id,
    case_id: item.case_id,
    tool_id: item.tool_id,
    variant: item.variant,
    sample: item.sample,
    status: item.status,
    score: item.score,
    ...stars(item),
    latency_ms: item.latency_ms,
    cost_usd: item.cost_usd,
    error: item.error,
    image_path: item.image_path ? join(root, ...item.image_path.split('/')) : null,
    breakdown: item.breakdown,
  }));
}

/** Mean stars and how many ratings; read from whichever fields the item view has. */
function stars(item: RunItemView): { stars_mean: number | null; stars_n: number } {
  const view = item as RunItemView & { stars_n?: number };
  const n = view.stars_n ?? item.ratings;
  return { stars_mean: item.stars, stars_n: n };
}

/** The rows as CSV (RFC 4180): the fixed columns, then `breakdown.<part>` for every part any item has. */
export function toCsv(rows: ExportRow[]): string {
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.breakdown ?? {})))].sort();
  const header = [...EXPORT_COLUMNS, ...parts.map((p) => `breakdown.${p}`)];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const values: ExportValue[] = [
      ...EXPORT_COLUMNS.map((c) => row[c]),
      ...parts.map((p) => row.breakdown?.[p] ?? null),
    ];
    lines.push(values.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function csvField(value: ExportValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
