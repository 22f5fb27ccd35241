import { Option, SubCommand } from 'nest-commander';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CaseFacesCheck } from '../../../libs/authoring/case-faces.check';
import { CasesService } from '../../../libs/cases/cases.service';
import type { TestCase } from '../../../libs/cases/test-case';
import { SwapbenchCommand } from '../swapbench-command';
import { CASES_VALIDATE } from './cases.options';

/** One case's verdict, as `cases validate --json` prints it. */
interface CaseVerdict {
  id: string;
  valid: boolean;
  error: string | null;
}

@SubCommand(CASES_VALIDATE.command)
export class CasesValidateCommand extends SwapbenchCommand {
  constructor(
    private readonly cases: CasesService,
    private readonly faces: CaseFacesCheck,
  ) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    const listing = await this.cases.list();
    const verdicts: CaseVerdict[] = [
      ...(await Promise.all(listing.cases.map((c) => this.checkFaces(c)))),
      ...listing.invalid.map((c) => ({ id: c.id, valid: false, error: c.error })),
    ].sort((a, b) => a.id.localeCompare(b.id));
    const invalid = verdicts.filter((v) => !v.valid).length;
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
          : `${verdicts.length - invalid} valid, ${invalid} invalid in ${this.cases.root}\n`,
      );
    }
    // An empty folder fails too: a CI check that validates nothing is almost surely pointed at the wrong place.
    if (invalid > 0 || verdicts.length === 0) process.exitCode = 1;
  }

  /** A well-formed case is valid when every slot has its faces; the problems name the manifest. */
  private async checkFaces(testCase: TestCase): Promise<CaseVerdict> {
    const where = join(testCase.id, 'case.json');
    const problems = await this.faces
      .problems(testCase)
      .catch((error: Error) => [`its images cannot be analyzed (${error.message})`]);
    return problems.length === 0
      ? { id: testCase.id, valid: true, error: null }
      : { id: testCase.id, valid: false, error: `${where}: ${problems.join('; ')}` };
  }

  private async leftovers(): Promise<string[]> {
    const entries = await readdir(this.cases.root).catch(() => []);
    return entries.filter((name) => /\.(tmp|old)$/.test(name)).sort();
  }

  @Option(CASES_VALIDATE.options.json)
  parseJson(): boolean {
    return true;
  }
}
