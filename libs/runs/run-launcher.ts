import { Injectable, Logger } from '@nestjs/common';
import { RunExecutor } from './run-executor';

/**
 * Who executes the runs the server starts: this process (`LocalRuns`, the single-user default) or the
 * team's workers through queues (team mode, docs/team.md). The API and the server's start-up use this,
 * never the executor directly.
 */
export abstract class RunLauncher {
  /** Starts or resumes a run; resolves once it is under way (it goes on in the background). */
  abstract start(runId: string): Promise<void>;
  /** Cancels a run: its open items end canceled. */
  abstract cancel(runId: string): Promise<void>;
  /** Picks up the runs that a server which stopped left unfinished. */
  abstract resumeAll(): Promise<void>;
}

/** Runs executed in this process. */
@Injectable()
export class LocalRuns extends RunLauncher {
  private readonly logger = new Logger(LocalRuns.name);

  constructor(private readonly executor: RunExecutor) {
    super();
  }

  start(runId: string): Promise<void> {
    this.executor
      .execute(runId)
      .catch((error: Error) => this.logger.error(`Run ${runId} stopped: ${error.message}`));
    return Promise.resolve();
  }

  cancel(runId: string): Promise<void> {
    return this.executor.stop(runId, 'cancel');
  }

  async resumeAll(): Promise<void> {
    for (const run of await this.executor.resumable()) {
      this.logger.log(`Resuming run ${run.id}`);
      this.executor
        .execute(run.id)
        .catch((error: Error) => this.logger.warn(`Run ${run.id} not resumed: ${error.message}`));
    }
  }
}
