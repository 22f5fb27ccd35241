import { Module } from '@nestjs/common';
import { CasesModule } from '../../libs/cases/cases.module';
import { ReportModule } from '../../libs/report/report.module';
import { RunsModule } from '../../libs/runs/runs.module';
import { ToolsModule } from '../../libs/tools/tools.module';
import { CasesCommand } from './commands/cases.command';
import { GenerateCasesCommand } from './commands/generate-cases.command';
import { ReportCommand } from './commands/report.command';
import { RunCommand } from './commands/run.command';
import { ServeCommand } from './commands/serve.command';
import { ToolsCommand } from './commands/tools.command';

/** The CLI: thin commands over the same feature modules the server uses. */
@Module({
  imports: [CasesModule, ToolsModule, RunsModule, ReportModule],
  providers: [GenerateCasesCommand, CasesCommand, ToolsCommand, RunCommand, ServeCommand, ReportCommand],
})
export class CliModule {}
