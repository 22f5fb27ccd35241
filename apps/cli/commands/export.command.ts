import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'nest-commander';
import { SwapbenchSettings } from '../../../libs/core/config/swapbench-settings';
import { UserError } from '../../../libs/core/user-error';
import { exportRows, toCsv } from '../../../libs/results/run-export';
import { RunsService } from '../../../libs/runs/runs.service';
import { SwapbenchCommand } from '../swapbench-command';

@Command({
  name: 'export',
  arguments: '<run_id>',
  description:
    'Write one row per item of a run as CSV or JSON (run_id, item_id, case_id, tool_id, variant, sample, status, ' +
    'score, stars_mean, stars_n, latency_ms, cost_usd, error, image_path, then the breakdown).',
})
export class ExportCommand extends SwapbenchCommand {
  constructor(
    private readonly runs: RunsService,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run([runId]: string[], flags: { format?: string; out?: string }): Promise<void> {
    const format = flags.format ?? 'csv';
    if (format !== 'csv' && format !== 'json')
      throw new UserError(`--format must be csv or json; got "${format}"`);
    const rows = exportRows(await this.runs.detail(runId), this.settings.runs);
    const text = format === 'csv' ? toCsv(rows) : JSON.stringify(rows, null, 2) + '\n';
    if (!flags.out) {
      process.stdout.write(text);
      return;
    }
    const out = resolve(flags.out);
    try {
      await writeFile(out, text);
    } catch (error) {
      throw new UserError(
        `Cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    process.stderr.write(`wrote ${rows.length} rows to ${out}\n`);
  }

  @Option({ flags: '--format <csv|json>', description: 'csv (default) or json (breakdown nested)' })
  parseFormat(value: string): string {
    return value;
  }

  @Option({ flags: '--out <file>', description: 'write to this file instead of standard output' })
  parseOut(value: string): string {
    return value;
  }
}
