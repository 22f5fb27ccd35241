import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'nest-commander';
import { SwapbenchSettings } from '../../../libs/core/config/swapbench-settings';
import { UserError } from '../../../libs/core/user-error';
import { toJunit } from '../../../libs/results/junit-report';
import { exportRows, toCsv } from '../../../libs/results/run-export';
import { RunsService } from '../../../libs/runs/runs.service';
import { SwapbenchCommand } from '../swapbench-command';
import { EXPORT } from './export.options';

@Command(EXPORT.command)
export class ExportCommand extends SwapbenchCommand {
  constructor(
    private readonly runs: RunsService,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run([runId]: string[], flags: { format?: string; out?: string }): Promise<void> {
    const format = flags.format ?? 'csv';
    if (format !== 'csv' && format !== 'json' && format !== 'junit')
      throw new UserError(`--format must be csv, json or junit; got "${format}"`);
    const detail = await this.runs.detail(runId);
    const rows = exportRows(detail, this.settings.runs);
    const text =
      format === 'csv'
        ? toCsv(rows)
        : format === 'junit'
          ? toJunit(detail)
          : JSON.stringify(rows, null, 2) + '\n';
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

  @Option(EXPORT.options.format)
  parseFormat(value: string): string {
    return value;
  }

  @Option(EXPORT.options.out)
  parseOut(value: string): string {
    return value;
  }
}
