import { SubCommand } from 'nest-commander';
import { RunMaintenanceService } from '../../../libs/runs/run-maintenance.service';
import { SwapbenchCommand } from '../swapbench-command';

@SubCommand({
  name: 'delete',
  arguments: '<run_id>',
  description:
    'Delete a run: its rows, ratings, images and sidecars (an image another run still uses through the cache stays). ' +
    'Refused while the run is running.',
})
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
