import Table from 'cli-table3';
import { Command, Option } from 'nest-commander';
import { RunsService } from '../../../libs/runs/runs.service';
import { SwapbenchCommand } from '../swapbench-command';

@Command({
  name: 'runs',
  description: 'List the stored runs, newest first (the ids `run --resume`, `rescore` and `report` take)',
})
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
    const table = new Table({
      head: ['id', 'status', 'created', 'items', 'tools'],
      style: { head: ['cyan'] },
    });
    for (const r of runs) {
      const p = r.progress;
      table.push([
        r.id,
        r.status,
        r.created_at,
        `${p.scored} scored, ${p.failed} failed of ${p.total}`,
        r.tool_ids.join(', '),
      ]);
    }
    process.stdout.write(`${table.toString()}\n`);
  }

  @Option({
    flags: '--json',
    description: 'print a JSON array of runs (id, status, created_at, progress, ...)',
  })
  parseJson(): boolean {
    return true;
  }
}
