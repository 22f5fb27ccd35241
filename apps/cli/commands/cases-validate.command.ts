import { Option, SubCommand } from 'nest-commander';
import { readdir } from 'node:fs/promises';
import { CasesService } from '../../../libs/cases/cases.service';
import { SwapbenchCommand } from '../swapbench-command';

/** One case's verdict, as `cases validate --json` prints it. */
interface CaseVerdict {
  id: string;
  valid: boolean;
  error: string | null;
}

@SubCommand({
  name: 'validate',
  description: 'Check every test case of the datasets folder; exit 1 when any has a problem',
})
export class CasesValidateCommand extends SwapbenchCommand {
  constructor(private readonly cases: CasesService) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    const { cases, invalid } = await this.cases.list();
    const verdicts: CaseVerdict[] = [
      ...cases.map((c) => ({ id: c.id, valid: true, error: null })),
      ...invalid.map((c) => ({ id: c.id, valid: false, error: c.error })),
    ].sort((a, b) => a.id.localeCompare(b.id));
    const leftovers = await this.leftovers();
    // Commander hands `--json` to the parent `cases` when it comes after `validate`; either place works.
    const json = flags.json ?? this.command.parent?.opts<{ json?: boolean }>().json ?? false;
    if (json) {
      process.stdout.write(JSON.stringify(verdicts, null, 2) + '\n');
    } else {
      for (const v of verdicts) process.stdout.write(v.valid ? `ok      ${v.id}\n` : `INVALID ${v.error}\n`);
      for (const name of leftovers) {
        process.stdout.write(`note    ${name}: left by an interrupted write; not a case, safe to delete\n`);
      }
      process.stdout.write(
        verdicts.length === 0
          ? `No test cases in ${this.cases.root}\n`
          : `${cases.length} valid, ${invalid.length} invalid in ${this.cases.root}\n`,
      );
    }
    // An empty folder fails too: a CI check that validates nothing is almost surely pointed at the wrong place.
    if (invalid.length > 0 || verdicts.length === 0) process.exitCode = 1;
  }

  private async leftovers(): Promise<string[]> {
    const entries = await readdir(this.cases.root).catch(() => []);
    return entries.filter((name) => /\.(tmp|old)$/.test(name)).sort();
  }

  @Option({ flags: '--json', description: 'print a JSON array (id, valid, error)' })
  parseJson(): boolean {
    return true;
  }
}
