import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { WORKER_COMMAND, WORKER_OPTIONS } from './worker.options';

/**
 * `worker` in the CLI's command tree, for the help only: `apps/cli/main.ts` sends `worker` to the worker
 * door (`worker-door.ts`) before any container exists.
 */
@Command(WORKER_COMMAND)
export class WorkerCommand extends SwapbenchCommand {
  run(): Promise<void> {
    return Promise.reject(new Error('`worker` runs from the worker door in apps/cli/main.ts'));
  }

  @Option(WORKER_OPTIONS.queues)
  parseQueues(value: string): string {
    return value;
  }

  @Option(WORKER_OPTIONS.concurrency)
  parseConcurrency(value: string): string {
    return value;
  }

  @Option(WORKER_OPTIONS.lockSeconds)
  parseLockSeconds(value: string): string {
    return value;
  }
}
