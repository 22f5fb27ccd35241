import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { renderTable } from '../terminal-table';
import { CasesService } from '../../../libs/cases/cases.service';
import { CasesValidateCommand } from './cases-validate.command';
import { CASES } from './cases.options';

@Command({ ...CASES.command, subCommands: [CasesValidateCommand] })
export class CasesCommand extends SwapbenchCommand {
  constructor(private readonly cases: CasesService) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    const summaries = await this.cases.summaries();
    if (flags.json) {
      const rows = summaries.map((c) => ({
        id: c.id,
        title: c.title,
        slots: c.slots,
        tags: c.tags,
        valid: c.valid,
        error: c.error,
      }));
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (summaries.length === 0) {
      process.stdout.write(
        `No test cases in ${this.cases.root}. Create the demo cases with \`swapbench generate-cases\`.\n`,
      );
      return;
    }
    const rows = summaries.map((c) => [
      c.id,
      c.title,
      c.slots.length,
      (c.tags ?? []).join(', '),
      c.valid ? 'yes' : `no: ${c.error}`,
    ]);
    process.stdout.write(`${renderTable(['id', 'title', 'slots', 'tags', 'valid'], rows)}\n`);
  }

  @Option(CASES.options.json)
  parseJson(): boolean {
    return true;
  }
}
