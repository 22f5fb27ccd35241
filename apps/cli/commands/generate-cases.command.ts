import { Command, Option } from 'nest-commander';
import { PhotoFolderBuilder } from '../../../libs/authoring/photo-folder.builder';
import { DemoCasesService } from '../../../libs/cases/demo-cases.service';
import { dataPaths } from '../../../libs/core/paths';
import { UserError } from '../../../libs/core/user-error';
import { parseWholeNumber } from '../cli-args';
import { SwapbenchCommand } from '../swapbench-command';

interface GenerateFlags {
  from?: string;
  seed?: string;
}

@Command({
  name: 'generate-cases',
  description:
    'Build test cases: the demo cases from the public-domain photos in datasets/sources (default), ' +
    'or cases from a folder of your photos (--from)',
})
export class GenerateCasesCommand extends SwapbenchCommand {
  constructor(
    private readonly demo: DemoCasesService,
    private readonly folder: PhotoFolderBuilder,
  ) {
    super();
  }

  async run(_args: string[], flags: GenerateFlags): Promise<void> {
    const seed = parseWholeNumber(flags.seed ?? '1', '--seed', 0, 2 ** 31 - 1);
    if (flags.from !== undefined) return this.fromFolder(flags.from, seed);
    if (flags.seed !== undefined) throw new UserError('--seed applies to --from');
    const { written, unchanged } = await this.demo.generate();
    const root = dataPaths().datasets;
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
      `${made} case${made === 1 ? '' : 's'} from ${folder} in ${dataPaths().datasets}` +
        `${skipped.length > 0 ? `; ${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped` : ''}\n`,
    );
    if (made === 0) {
      throw new UserError(
        `No test case could be built from ${folder}: it needs at least two photos with faces of different people`,
      );
    }
  }

  @Option({ flags: '--from <folder>', description: 'build cases from the photos in this folder' })
  parseFrom(value: string): string {
    return value;
  }

  @Option({
    flags: '--seed <n>',
    description: 'with --from: seed of the avatar choice; equal seeds give equal cases (default 1)',
  })
  parseSeed(value: string): string {
    return value;
  }
}
