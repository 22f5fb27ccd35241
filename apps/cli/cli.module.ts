import { Module } from '@nestjs/common';
import { AccountsModule } from '../../libs/accounts/accounts.module';
import { CasesModule } from '../../libs/cases/cases.module';
import { ReportModule } from '../../libs/report/report.module';
import { RunsModule } from '../../libs/runs/runs.module';
import { ToolsModule } from '../../libs/tools/tools.module';
import { AuthoringModule } from '../../libs/authoring/authoring.module';
import { CacheClearCommand, CacheCommand } from './commands/cache.command';
import { CompareCommand } from './commands/compare.command';
import { DbCommand, DbMigrateCommand } from './commands/db.command';
import { WorkerCommand } from './commands/worker.command';
import { ExportCommand } from './commands/export.command';
import { RunsDeleteCommand } from './commands/runs-delete.command';
import { CasesValidateCommand } from './commands/cases-validate.command';
import { CasesCommand } from './commands/cases.command';
import { GenerateCasesCommand } from './commands/generate-cases.command';
import { ReportCommand } from './commands/report.command';
import { RescoreCommand } from './commands/rescore.command';
import { RunCommand } from './commands/run.command';
import { RunsCommand } from './commands/runs.command';
import { ServeCommand } from './commands/serve.command';
import { ProgramHelp } from './program-help';
import { ToolsCommand } from './commands/tools.command';
import { UsersAddCommand, UsersCommand, UsersListCommand } from './commands/users.command';

/** The CLI: thin commands over the same feature modules the server uses. */
@Module({
  imports: [CasesModule, ToolsModule, RunsModule, ReportModule, AuthoringModule, AccountsModule],
  providers: [
    ProgramHelp,
    GenerateCasesCommand,
    CasesCommand,
    CasesValidateCommand,
    ToolsCommand,
    RunCommand,
    RunsCommand,
    RunsDeleteCommand,
    ExportCommand,
    CompareCommand,
    CacheCommand,
    CacheClearCommand,
    RescoreCommand,
    ServeCommand,
    ReportCommand,
    DbCommand,
    DbMigrateCommand,
    WorkerCommand,
    UsersCommand,
    UsersAddCommand,
    UsersListCommand,
  ],
})
export class CliModule {}
