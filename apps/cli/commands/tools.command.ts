import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { TOOLS } from './tools.options';
import { renderTable } from '../terminal-table';
import { ToolRegistry } from '../../../libs/tools/tools.registry';

@Command(TOOLS.command)
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

  @Option(TOOLS.options.json)
  parseJson(): boolean {
    return true;
  }
}
