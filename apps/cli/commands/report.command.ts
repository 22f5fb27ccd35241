import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../../libs/core/user-error';
import { ReportService } from '../../../libs/report/report.service';

@Command({
  name: 'report',
  arguments: '<run_id>',
  description:
    'Write the self-contained HTML report of a run (opens from disk with no network); with --baseline, ' +
    'add its comparison with an earlier run.',
})
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

  @Option({ flags: '--out <file>', description: 'where to write the report (default report_<run_id>.html)' })
  parseOut(value: string): string {
    return value;
  }

  @Option({
    flags: '--baseline <run_id>',
    description: 'compare with this earlier run (paired, per variant)',
  })
  parseBaseline(value: string): string {
    return value;
  }
}
