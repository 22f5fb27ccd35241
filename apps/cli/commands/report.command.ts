import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../../libs/core/user-error';
import { ReportService } from '../../../libs/report/report.service';
import { REPORT } from './report.options';

@Command(REPORT.command)
export class ReportCommand extends SwapbenchCommand {
  constructor(private readonly reports: ReportService) {
    super();
  }

  async run([runId]: string[], flags: { out?: string; baseline?: string }): Promise<void> {
    const out = resolve(flags.out ?? `report_${runId}.html`);
    let html: string;
    try {
      html = await this.reports.render(runId, { baseline: flags.baseline });
    } catch (error) {
      // The id a user typed is wrong far more often than not: say where the ids are.
      if (error instanceof UserError && error.status === 404)
        throw new UserError(`${error.message}. List the stored runs with \`swapbench runs\`.`, 404);
      throw error;
    }
    try {
      await writeFile(out, html);
    } catch (error) {
      throw new UserError(
        `Cannot write the report to ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    process.stdout.write(`wrote ${out} (${(Buffer.byteLength(html) / 1e6).toFixed(1)} MB)\n`);
  }

  @Option(REPORT.options.out)
  parseOut(value: string): string {
    return value;
  }

  @Option(REPORT.options.baseline)
  parseBaseline(value: string): string {
    return value;
  }
}
