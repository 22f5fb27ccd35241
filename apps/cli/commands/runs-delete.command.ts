import { SubCommand } from 'nest-commander';
import { RunMaintenanceService } from '../../../libs/runs/run-maintenance.service';
import { SwapbenchCommand } from '../swapbench-command';
import { RUNS_DELETE } from './runs.options';

@SubCommand(RUNS_DELETE.command)
export class RunsDeleteCommand extends SwapbenchCommand {
  constructor(private readonly maintenance: RunMaintenanceService) {
    super();
  }

  async run([runId]: string[]): Promise<void> {
    const deleted = await this.maintenance.remove(runId);
    process.stdout.write(
      `deleted run ${deleted.run_id}: ${deleted.items} items, ${deleted.files} image files\n`,
    );
  }
}
