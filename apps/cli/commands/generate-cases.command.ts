import { Command } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { DemoCasesService } from '../../../libs/cases/demo-cases.service';
import { dataPaths } from '../../../libs/core/paths';

@Command({
  name: 'generate-cases',
  description: 'Build the demo test cases offline from the public-domain photos in datasets/sources',
})
export class GenerateCasesCommand extends SwapbenchCommand {
  constructor(private readonly demo: DemoCasesService) {
    super();
  }

  async run(): Promise<void> {
    const { written, unchanged } = await this.demo.generate();
    const root = dataPaths().datasets;
    for (const id of written) process.stdout.write(`wrote ${id}\n`);
    for (const id of unchanged) process.stdout.write(`unchanged ${id}\n`);
    process.stdout.write(`${written.length + unchanged.length} demo cases in ${root}\n`);
  }
}
