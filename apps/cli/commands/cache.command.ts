import { Command, SubCommand } from 'nest-commander';
import { RunMaintenanceService } from '../../../libs/runs/run-maintenance.service';
import { SwapbenchCommand } from '../swapbench-command';

@SubCommand({
  name: 'clear',
  description:
    'Forget every cached output, so later runs call the tools again (stored runs, images and scores stay).',
})
export class CacheClearCommand extends SwapbenchCommand {
  constructor(private readonly maintenance: RunMaintenanceService) {
    super();
  }

  async run(): Promise<void> {
    const { forgotten } = await this.maintenance.clearCache();
    process.stdout.write(`cache cleared: ${forgotten} outputs will not be reused\n`);
  }
}

@Command({
  name: 'cache',
  description:
    'The output cache: identical inputs (case, tool, options, tool fingerprint, sample) reuse an earlier image.',
  subCommands: [CacheClearCommand],
})
export class CacheCommand extends SwapbenchCommand {
  async run(): Promise<void> {
    this.command.help();
  }
}
