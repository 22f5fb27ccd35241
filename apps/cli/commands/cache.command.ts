import { Command, SubCommand } from 'nest-commander';
import { RunMaintenanceService } from '../../../libs/runs/run-maintenance.service';
import { SwapbenchCommand } from '../swapbench-command';
import { CACHE, CACHE_CLEAR } from './cache.options';

@SubCommand(CACHE_CLEAR.command)
export class CacheClearCommand extends SwapbenchCommand {
  constructor(private readonly maintenance: RunMaintenanceService) {
    super();
  }

  async run(): Promise<void> {
    const { forgotten } = await this.maintenance.clearCache();
    process.stdout.write(`cache cleared: ${forgotten} outputs will not be reused\n`);
  }
}

@Command({ ...CACHE.command, subCommands: [CacheClearCommand] })
export class CacheCommand extends SwapbenchCommand {
  async run(): Promise<void> {
    this.command.help();
  }
}
