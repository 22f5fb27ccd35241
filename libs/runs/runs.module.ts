import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CasesModule } from '../cases/cases.module';
import { RunEventBus } from '../core/event-bus';
import { DatabaseModule } from '../database/database.module';
import { SharedFilesModule } from '../database/shared-files';
import { EvaluatorModule } from '../evaluator/evaluator.module';
import { RatingsModule } from '../ratings/ratings.module';
import { ToolsModule } from '../tools/tools.module';
import { RunExecutor } from './run-executor';
import { RunItem } from './run-item.entity';
import { Run } from './run.entity';
import { RunsService } from './runs.service';
import { RescoreService } from './rescore.service';
import { RunMaintenanceService } from './run-maintenance.service';
import { ScorabilityService } from './scorability.service';

/**
 * Runs and their items: creating, executing, rescoring and deleting them. It owns the `runs` and
 * `run_items` tables; other modules read items through RunsService. A run's detail carries the items'
 * ratings, read through RatingsModule (which sits below, needing nothing of runs).
 */
@Module({
  imports: [
    DatabaseModule,
    SharedFilesModule,
    TypeOrmModule.forFeature([Run, RunItem]),
    CasesModule,
    ToolsModule,
    EvaluatorModule,
    RatingsModule,
  ],
  providers: [
    RunsService,
    RunExecutor,
    RunEventBus,
    ScorabilityService,
    RescoreService,
    RunMaintenanceService,
  ],
  exports: [RunsService, RunExecutor, RunEventBus, ScorabilityService, RescoreService, RunMaintenanceService],
})
export class RunsModule {}
