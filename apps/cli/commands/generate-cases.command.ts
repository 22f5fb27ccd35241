import { Command, Option } from 'nest-commander';
import { OpenAICasesGenerator } from '../../../libs/authoring/openai-cases.generator';
import { PhotoFolderBuilder } from '../../../libs/authoring/photo-folder.builder';
import { DemoCasesService } from '../../../libs/cases/demo-cases.service';
import { SwapbenchSettings } from '../../../libs/core/config/swapbench-settings';
import { UserError } from '../../../libs/core/user-error';
import { parseWholeNumber } from '../cli-args';
import { SwapbenchCommand } from '../swapbench-command';
import { GENERATE_CASES } from './generate-cases.options';

interface GenerateFlags {
  from?: string;
  seed?: string;
  generator?: string;
  count?: string;
  model?: string;
  attempts?: string;
}

@Command(GENERATE_CASES.command)
export class GenerateCasesCommand extends SwapbenchCommand {
  constructor(
    private readonly demo: DemoCasesService,
    private readonly folder: PhotoFolderBuilder,
    private readonly synthetic: OpenAICasesGenerator,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run(_args: string[], flags: GenerateFlags): Promise<void> {
    const seed = parseWholeNumber(flags.seed ?? '1', '--seed', 0, 2 ** 31 - 1);
    if (flags.from !== undefined && flags.generator !== undefined)
      throw new UserError('Give either --from or --generator, not both');
    const generatorOnly = (['count', 'model', 'attempts'] as const).find((k) => flags[k] !== undefined);
    if (generatorOnly && flags.generator === undefined)
      throw new UserError(`--${generatorOnly} applies to --generator openai`);
    if (flags.from !== undefined) return this.fromFolder(flags.from, seed);
    if (flags.generator !== undefined) return this.synthesize(flags, seed);
    if (flags.seed !== undefined) throw new UserError('--seed applies to --from and --generator');
    const { written, unchanged } = await this.demo.generate();
    const root = this.settings.datasets;
    for (const id of written) process.stdout.write(`wrote ${id}\n`);
    for (const id of unchanged) process.stdout.write(`unchanged ${id}\n`);
    process.stdout.write(`${written.length + unchanged.length} demo cases in ${root}\n`);
  }

  private async fromFolder(folder: string, seed: number): Promise<void> {
    const { written, unchanged, skipped } = await this.folder.build(folder, seed);
    for (const id of written) process.stdout.write(`wrote ${id}\n`);
    for (const id of unchanged) process.stdout.write(`unchanged ${id}\n`);
    for (const s of skipped) process.stdout.write(`skipped ${s.file}: ${s.reason}\n`);
    const made = written.length + unchanged.length;
    process.stdout.write(
      `${made} case${made === 1 ? '' : 's'} from ${folder} in ${this.settings.datasets}` +
        `${skipped.length > 0 ? `; ${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped` : ''}\n`,
    );
    if (made === 0) {
      throw new UserError(
        `No test case could be built from ${folder}: it needs at least two photos with faces of different people`,
      );
    }
  }

  private async synthesize(flags: GenerateFlags, seed: number): Promise<void> {
    if (flags.generator !== 'openai')
      throw new UserError(
        `--generator: unknown generator "${flags.generator}"; the one generator is "openai"`,
      );
    const count = parseWholeNumber(flags.count ?? '', '--count', 1, 500);
    const attempts = parseWholeNumber(flags.attempts ?? '2', '--attempts', 1, 5);
    const model = flags.model?.trim() || 'gpt-image-1';
    const result = await this.synthetic.generate({
      count,
      seed,
      model,
      attempts,
      report: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      `${result.written.length} of ${count} synthetic case${count === 1 ? '' : 's'} written to ` +
        `${this.settings.datasets} (${result.requests} image requests)` +
        `${result.skipped.length > 0 ? `; ${result.skipped.length} skipped` : ''}\n`,
    );
    if (result.written.length === 0) process.exitCode = 1;
  }

  @Option(GENERATE_CASES.options.from)
  parseFrom(value: string): string {
    return value;
  }

  @Option(GENERATE_CASES.options.seed)
  parseSeed(value: string): string {
    return value;
  }

  @Option(GENERATE_CASES.options.generator)
  parseGenerator(value: string): string {
    return value;
  }

  @Option(GENERATE_CASES.options.count)
  parseCount(value: string): string {
    return value;
  }

  @Option(GENERATE_CASES.options.model)
  parseModel(value: string): string {
    return value;
  }

  @Option(GENERATE_CASES.options.attempts)
  parseAttempts(value: string): string {
    return value;
  }
}
