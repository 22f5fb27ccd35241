import { Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CasesModule } from '../cases/cases.module';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { SharedFilesModule } from '../database/shared-files';
import { EvaluatorModule } from '../evaluator/evaluator.module';
import { RunItem } from '../runs/run-item.entity';
import { LocalRuns, RunLauncher } from '../runs/run-launcher';
import { Run } from '../runs/run.entity';
import { RunsModule } from '../runs/runs.module';
import { ToolsModule } from '../tools/tools.module';
import { EventRelay } from './event-relay';
import { QueuedRuns } from './queued-runs';
import { reachRedis, teamRedis } from './redis';
import { TeamJobs } from './team-jobs';
import { TeamStatus } from './team-status';

/**
 * The server's side of team mode (registered by the web module): the team's events put on this
 * process's bus, from every worker. Checks
 * first that Redis answers, so a wrong SWAPBENCH_REDIS_URL stops the server with a clear error.
 */
@Injectable()
export class TeamEvents implements OnApplicationBootstrap, OnModuleDestroy {
  private relay?: EventRelay;

  constructor(
    private readonly settings: SwapbenchSettings,
    private readonly bus: RunEventBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.teamMode) return;
    await reachRedis(this.settings.redisUrl!);
    this.relay = new EventRelay(teamRedis(this.settings), this.bus);
    await this.relay.receive();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay?.close();
  }
}

/**
 * How runs are executed: in this process (the single-user default), or by the team's workers through
 * queues on Redis (team mode, docs/team.md) — `RunLauncher` is the one the settings choose. The jobs a
 * worker runs are here too (`TeamJobs`).
 */
@Module({
  // The runs' tables are the runs module's; the jobs read and move items through the same entities.
  imports: [
    TypeOrmModule.forFeature([Run, RunItem]),
    RunsModule,
    CasesModule,
    ToolsModule,
    EvaluatorModule,
    SharedFilesModule,
  ],
  providers: [
    TeamJobs,
    QueuedRuns,
    LocalRuns,
    TeamStatus,
    {
      provide: RunLauncher,
      inject: [SwapbenchSettings, QueuedRuns, LocalRuns],
      useFactory: (settings: SwapbenchSettings, queued: QueuedRuns, local: LocalRuns) =>
        settings.teamMode ? queued : local,
    },
  ],
  exports: [RunLauncher, TeamJobs, QueuedRuns, TeamStatus, SharedFilesModule],
})
export class TeamModule {}
