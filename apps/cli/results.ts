import Table from 'cli-table3';
import { dataPaths } from '../../libs/core/paths';
import type { RunDetail, RunItemView } from '../../libs/runs/run-views';
import type { SkippedCase } from '../../libs/runs/scorability.service';
import { join } from 'node:path';

/** The `run --json` contract (SPEC §8): `{run_id, items:[{id, case_id, tool_id, status, image_path, score, error}]}`. */
export interface RunResultJson {
  run_id: string;
  status: string;
  items: Array<{
    id: number;
    case_id: string;
    tool_id: string;
    status: string;
    image_path: string | null;
    score: number | null;
    error: string | null;
    cached: boolean;
    breakdown: Record<string, number> | null;
    scorer_version: string | null;
  }>;
  tools: ToolSummaryRow[];
  /** Selected cases left out by `--skip-unscorable` because the scorer cannot score them. */
  skipped: SkippedCase[];
}

interface ToolSummaryRow {
  tool_id: string;
  items: number;
  scored: number;
  failed: number;
  mean_score: number | null;
}

export function toResultJson(detail: RunDetail, skipped: SkippedCase[] = []): RunResultJson {
  const root = dataPaths().runs;
  return {
    run_id: detail.id,
    status: detail.status,
    items: detail.items.map((item) => ({
      id: item.id,
      case_id: item.case_id,
      tool_id: item.tool_id,
      status: item.status,
      image_path: item.image_path ? join(root, ...item.image_path.split('/')) : null,
      score: item.score,
      error: item.error,
      cached: item.cached,
      breakdown: item.breakdown,
      scorer_version: item.scorer_version,
    })),
    tools: toolRows(detail),
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
  return detail.tool_ids.map((toolId) => {
    const items = detail.items.filter((i) => i.tool_id === toolId);
    const scores = items.map((i) => i.score).filter((s): s is number => s !== null);
    return {
      tool_id: toolId,
      items: items.length,
      scored: items.filter((i) => i.status === 'scored').length,
      failed: items.filter((i) => i.status === 'failed').length,
      mean_score: scores.length ? round1(scores.reduce((a, b) => a + b, 0) / scores.length) : null,
    };
  });
}

/** A cases × tools table of scores (or statuses), then one line per tool and any errors. */
export function resultsTable(detail: RunDetail): string {
  const table = new Table({ head: ['case', ...detail.tool_ids], style: { head: ['cyan'] } });
  for (const caseId of detail.case_ids) {
    table.push([
      caseId,
      ...detail.tool_ids.map((toolId) =>
        cell(detail.items.find((i) => i.case_id === caseId && i.tool_id === toolId)),
      ),
    ]);
  }
  const rows = toolRows(detail);
  table.push(['mean', ...rows.map((r) => (r.mean_score === null ? '—' : r.mean_score.toFixed(1)))]);
  const errors = detail.items
    .filter((i) => i.error && i.status === 'failed')
    .map((i) => `  ${i.case_id} × ${i.tool_id}: ${i.error}`);
  const p = detail.progress;
  const lines = [
    `Run ${detail.id} ${detail.status}: ${p.scored} scored, ${p.failed} failed, ${p.canceled} canceled of ${p.total}`,
    table.toString(),
  ];
  if (errors.length) lines.push('Failures:', ...errors);
  return lines.join('\n');
}

function cell(item: RunItemView | undefined): string {
  if (!item) return '';
  if (item.status === 'scored' && item.score !== null)
    return `${item.score.toFixed(1)}${item.cached ? ' (cached)' : ''}`;
  return item.status;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
