import { renderTable } from './terminal-table';
import type { RescoreResult } from '../../libs/runs/rescore.service';

/** Per run, per tool: items rescored and failed, and the mean score before → after over those items. */
export function rescoreTable(results: RescoreResult[], version: string): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(
      `Run ${result.run_id}: ${result.rescored} rescored with scorer ${version}, ${result.unchanged} unchanged, ${result.failed} failed`,
    );
    if (result.items.length === 0) continue;
    const rows: Array<Array<string | number>> = [];
    const toolIds = [...new Set(result.items.map((i) => i.tool_id))];
    for (const toolId of toolIds) {
      const items = result.items.filter((i) => i.tool_id === toolId);
      const rescored = items.filter((i) => i.error === null);
      const before = mean(rescored.map((i) => i.old_score));
      const after = mean(rescored.map((i) => i.score));
      rows.push([toolId, rescored.length, items.length - rescored.length, `${before} → ${after}`]);
    }
    lines.push(renderTable(['tool', 'rescored', 'failed', 'old mean → new mean'], rows));
    for (const item of result.items.filter((i) => i.error !== null))
      lines.push(`  ${item.case_id} × ${item.tool_id}: ${item.error}`);
  }
  if (results.length === 0) lines.push('No runs to rescore.');
  return lines.join('\n');
}

function mean(scores: Array<number | null>): string {
  const known = scores.filter((s): s is number => s !== null);
  return known.length === 0 ? '—' : (known.reduce((a, b) => a + b, 0) / known.length).toFixed(1);
}
