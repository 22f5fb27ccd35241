import { Command, Option } from 'nest-commander';
import { RunsService } from '../../../libs/runs/runs.service';
import { SwapbenchCommand } from '../swapbench-command';
import { renderTable } from '../terminal-table';
import { RunsDeleteCommand } from './runs-delete.command';
import { RUNS } from './runs.options';

@Command({ ...RUNS.command, subCommands: [RunsDeleteCommand] })
export class RunsCommand extends SwapbenchCommand {
  constructor(private readonly runs: RunsService) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    const runs = await this.runs.list();
    if (flags.json) {
      process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      return;
    }
    if (runs.length === 0) {
      process.stdout.write('No runs yet. Start one with `swapbench run --cases all --tools <ids>`.\n');
      return;
    }
    const rows = runs.map((r) => {
      const p = r.progress;
      return [
        r.id,
        r.status,
        r.created_at.slice(0, 19).replace('T', ' '),
        `${p.scored} scored, ${p.failed} failed of ${p.total}`,
        r.variants.map((v) => v.label).join(', ') + (r.samples > 1 ? ` ×${r.samples}` : ''),
        r.suite_path ?? '',
      ];
    });
    process.stdout.write(`${renderTable(['id', 'status', 'created', 'items', 'variants', 'suite'], rows)}\n`);
  }

  @Option(RUNS.options.json)
  parseJson(): boolean {
    return true;
  }
}
