import { Command, Option } from 'nest-commander';
import { compareRuns, type RunComparison } from '../../../libs/results/run-comparison';
import { RunsService } from '../../../libs/runs/runs.service';
import { SwapbenchCommand } from '../swapbench-command';
import { renderTable } from '../terminal-table';
import { COMPARE } from './compare.options';

@Command(COMPARE.command)
export class CompareCommand extends SwapbenchCommand {
  constructor(private readonly runs: RunsService) {
    super();
  }

  async run([a, b]: string[], flags: { json?: boolean }): Promise<void> {
    const comparison = compareRuns(await this.runs.detail(a), await this.runs.detail(b));
    if (flags.json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
    else process.stdout.write(comparisonText(comparison) + '\n');
  }

  @Option(COMPARE.options.json)
  parseJson(): boolean {
    return true;
  }
}

/** The comparison as a person reads it: one row per variant, then the cases that moved most. */
export function comparisonText(c: RunComparison): string {
  const fmt = (n: number | null) => (n === null ? '—' : n.toFixed(1));
  const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);
  const rows = c.variants.map((v) => [
    v.variant,
    v.n_cases,
    fmt(v.mean_a),
    fmt(v.mean_b),
    v.delta === null ? '—' : `${v.delta >= 0 ? '+' : ''}${v.delta.toFixed(1)}`,
    v.ci_low === null ? '—' : `[${fmt(v.ci_low)}, ${fmt(v.ci_high)}]`,
    v.p_value === null ? '—' : v.p_value.toFixed(3),
    `${pct(v.success_a)} → ${pct(v.success_b)}`,
    `${pct(v.refusal_a)} → ${pct(v.refusal_b)}`,
  ]);
  const lines = [
    `Run ${c.b} compared with ${c.a} (b − a, on the cases both scored):`,
    renderTable(
      [
        'variant',
        'cases',
        'mean a',
        'mean b',
        'delta',
        '95% interval',
        'p',
        'success a → b',
        'refused a → b',
      ],
      rows,
    ),
  ];
  const moved = c.cases
    .filter((row) => row.delta !== 0)
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta))
    .slice(0, 10);
  if (moved.length > 0) {
    lines.push('Largest per-case differences:');
    for (const m of moved)
      lines.push(
        `  ${m.case_id} × ${m.variant}: ${fmt(m.score_a)} → ${fmt(m.score_b)} (${m.delta >= 0 ? '+' : ''}${m.delta.toFixed(1)})`,
      );
  }
  return lines.join('\n');
}
