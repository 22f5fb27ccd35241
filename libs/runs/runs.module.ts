import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { RunEventBus } from '../core/event-bus';
import { DatabaseModule } from '../database/database.module';
import { EvaluatorModule } from '../evaluator/evaluator.module';
import { ToolsModule } from '../tools/tools.module';
import { RunExecutor } from './run-executor';
import { RunsService } from './runs.service';

@Module({
  imports: [DatabaseModule, CasesModule, ToolsModule, EvaluatorModule],
  providers: [RunsService, RunExecutor, RunEventBus],
  exports: [RunsService, RunExecutor, RunEventBus],
})
export class RunsModule {}
