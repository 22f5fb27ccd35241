import { Module } from '@nestjs/common';
import { AuthoringModule } from '../authoring/authoring.module';
import { CasesModule } from '../cases/cases.module';
import { JudgementModule } from '../judgement/judgement.module';
import { RatingsModule } from '../ratings/ratings.module';
import { RunsModule } from '../runs/runs.module';
import { TeamEvents, TeamModule } from '../team/team.module';
import { ToolsModule } from '../tools/tools.module';
import { ArenaController } from './api/arena.controller';
import { CatalogController } from './api/catalog.controller';
import { CompareController } from './api/compare.controller';
import { RatingsController } from './api/ratings.controller';
import { RunsController } from './api/runs.controller';
import { TeamController } from './api/team.controller';
import { TestCasesController } from './api/test-cases.controller';
import { PlainRunSocket } from './live/plain-run-socket';
import { RunCatchUp } from './live/run-catch-up';
import { RunEventsGateway } from './live/run-events.gateway';
import { ResumeOnStart } from './resume-on-start';

/** The JSON API and the live channels (Socket.IO, plain WebSocket, SSE), all fed by the one event bus. */
@Module({
  imports: [
    CasesModule,
    ToolsModule,
    RunsModule,
    RatingsModule,
    AuthoringModule,
    JudgementModule,
    TeamModule,
  ],
  controllers: [
    ArenaController,
    CatalogController,
    RunsController,
    RatingsController,
    TestCasesController,
    CompareController,
    TeamController,
  ],
  providers: [RunCatchUp, RunEventsGateway, PlainRunSocket, ResumeOnStart, TeamEvents],
  exports: [PlainRunSocket],
})
export class WebModule {}
