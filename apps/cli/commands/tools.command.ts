import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import Table from 'cli-table3';
import { ToolRegistry } from '../../../libs/tools/tools.registry';

@Command({
  name: 'tools',
  description: 'List the registered tools and whether each can run here (and why not)',
})
export class ToolsCommand extends SwapbenchCommand {
  constructor(private readonly tools: ToolRegistry) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    const summaries = await this.tools.summaries();
    if (flags.json) {
      process.stdout.write(JSON.stringify(summaries, null, 2) + '\n');
      return;
    }
    const table = new Table({
      head: ['id', 'kind', 'available', 'description'],
      style: { head: ['cyan'] },
      wordWrap: true,
      colWidths: [22, 9, 34, 60],
    });
    for (const t of summaries)
      table.push([t.id, t.kind, t.available ? 'yes' : `no: ${t.reason}`, t.description]);
    process.stdout.write(`${table.toString()}\n`);
  }

  @Option({
    flags: '--json',
    description: 'print a JSON array (id, name, kind, available, reason, options, ...)',
  })
  parseJson(): boolean {
    return true;
  }
}
