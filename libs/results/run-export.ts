import { join } from 'node:path';
import type { RunDetail, RunItemView } from '../runs/run-views';

/**
 * The fields of a run's items written out (`run --json`, `export`) that are not the item view's own field
 * under the same name; every other field is copied from the view. Each output picks its fields and their
 * order.
 */
const WRITTEN_FIELDS = {
  item_id: (item: RunItemView) => item.id,
  stars_mean: (item: RunItemView) => item.stars,
  /** Absolute, inside the runs folder (the view's is relative to it). */
  image_path: (item: RunItemView, runsRoot: string) =>
    item.image_path ? join(runsRoot, ...item.image_path.split('/')) : null,
};

type WrittenField = keyof typeof WRITTEN_FIELDS;
type ItemField = keyof RunItemView | WrittenField;

/** An item written out with the fields `F`. */
export type ItemRecord<F extends ItemField> = {
  [K in F]: K extends WrittenField
    ? ReturnType<(typeof WRITTEN_FIELDS)[K]>
    : K extends keyof RunItemView
      ? RunItemView[K]
      : never;
};

/** The item with the given fields, in their order; `image_path` absolute inside `runsRoot`. */
export function itemRecord<F extends ItemField>(
  item: RunItemView,
  fields: readonly F[],
  runsRoot: string,
): ItemRecord<F> {
  return Object.fromEntries(
    fields.map((f) => [
      f,
      f in WRITTEN_FIELDS ? WRITTEN_FIELDS[f as WrittenField](item, runsRoot) : item[f as keyof RunItemView],
    ]),
  ) as ItemRecord<F>;
}

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
  'error_code',
  'image_path',
] as const;

type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** One exported item: the fixed columns, and its breakdown (nested in JSON, spread into columns in CSV). */
export type ExportRow = ItemRecord<ExportColumn | 'breakdown'>;

/** One row per item of the run, in the run's order, `image_path` as `run --json` gives it. */
export function exportRows(detail: RunDetail, runsRoot: string): ExportRow[] {
  return detail.items.map((item) => itemRecord(item, [...EXPORT_COLUMNS, 'breakdown'], runsRoot));
}

type CsvValue = ExportRow[ExportColumn];

/** The rows as CSV (RFC 4180): the fixed columns, then `breakdown.<part>` for every part any item has. */
export function toCsv(rows: ExportRow[]): string {
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.breakdown ?? {})))].sort();
  const header = [...EXPORT_COLUMNS, ...parts.map((p) => `breakdown.${p}`)];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const values: CsvValue[] = [
      ...EXPORT_COLUMNS.map((c) => row[c]),
      ...parts.map((p) => row.breakdown?.[p] ?? null),
    ];
    lines.push(values.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
