import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RunExecutor } from '../runs/run-executor';

/** Picks up runs that a dead process left unfinished, so a restarted server finishes them by itself. */
@Injectable()
export class ResumeOnStart implements OnApplicationBootstrap {
  private readonly logger = new Logger(ResumeOnStart.name);

  constructor(private readonly executor: RunExecutor) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const run of await this.executor.resumable()) {
      this.logger.log(`Resuming run ${run.id}`);
      this.executor
        .execute(run.id)
        .catch((error: Error) => this.logger.warn(`Run ${run.id} not resumed: ${error.message}`));
    }
  }
}
