import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { RunEventBus } from '../core/event-bus';
import { DatabaseModule } from '../database/database.module';
import { EvaluatorModule } from '../evaluator/evaluator.module';
import { ToolsModule } from '../tools/tools.module';
import { RunExecutor } from './run-executor';
import { RunsService } from './runs.service';
import { RescoreService } from './rescore.service';
import { RunMaintenanceService } from './run-maintenance.service';
import { ScorabilityService } from './scorability.service';

@Module({
  imports: [DatabaseModule, CasesModule, ToolsModule, EvaluatorModule],
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
