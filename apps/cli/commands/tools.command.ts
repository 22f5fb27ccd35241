import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { renderTable } from '../terminal-table';
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
    const rows = summaries.map((t) => [
      t.id,
      t.kind,
      t.available ? 'yes' : `no: ${t.reason}`,
      Object.entries(t.options)
        .map(([name, spec]) => `${name}=${String(spec.default)}`)
        .join(' '),
      t.description,
    ]);
    process.stdout.write(`${renderTable(['id', 'kind', 'available', 'options', 'description'], rows)}\n`);
  }

  @Option({
    flags: '--json',
    description: 'print a JSON array (id, name, kind, available, reason, options, ...)',
  })
  parseJson(): boolean {
    return true;
  }
}
