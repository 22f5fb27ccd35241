import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthoringModule } from '../authoring/authoring.module';
import { CasesModule } from '../cases/cases.module';
import { JudgementModule } from '../judgement/judgement.module';
import { RatingsModule } from '../ratings/ratings.module';
import { RunsModule } from '../runs/runs.module';
import { TeamEvents, TeamModule } from '../team/team.module';
import { ToolsModule } from '../tools/tools.module';
import { AccountController } from './api/account.controller';
import { ArenaController } from './api/arena.controller';
import { CatalogController } from './api/catalog.controller';
import { CompareController } from './api/compare.controller';
import { RatingsController } from './api/ratings.controller';
import { RunsController } from './api/runs.controller';
import { TeamController } from './api/team.controller';
import { TestCasesController } from './api/test-cases.controller';
import { RolesGuard } from './http/roles.guard';
import { PlainRunSocket } from './live/plain-run-socket';
import { RunCatchUp } from './live/run-catch-up';
import { RunEventsGateway } from './live/run-events.gateway';
import { ResumeOnStart } from './resume-on-start';

/**
 * The JSON API and the live channels (Socket.IO, plain WebSocket, SSE), all fed by the one event bus; in
 * team mode, the accounts and what each role may do (the roles guard covers every controller).
 */
@Module({
  imports: [
    CasesModule,
    ToolsModule,
    RunsModule,
    RatingsModule,
    AuthoringModule,
    JudgementModule,
    TeamModule,
    AccountsModule,
  ],
  controllers: [
    AccountController,
    ArenaController,
    CatalogController,
    RunsController,
    RatingsController,
    TestCasesController,
    CompareController,
    TeamController,
  ],
  providers: [
    RunCatchUp,
    RunEventsGateway,
    PlainRunSocket,
    ResumeOnStart,
    TeamEvents,
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [PlainRunSocket],
})
export class WebModule {}
