import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { SharedFilesModule } from '../database/shared-files';
import { JudgementModule } from '../judgement/judgement.module';
import { RunsModule } from '../runs/runs.module';
import { ToolsModule } from '../tools/tools.module';
import { ComponentRenderer } from './components.renderer';
import { ReportService } from './report.service';

/** The HTML report, and the component renderer it shares with the web app's pages and fragments. */
@Module({
  imports: [CasesModule, ToolsModule, RunsModule, JudgementModule, SharedFilesModule],
  providers: [ReportService, ComponentRenderer],
  exports: [ReportService, ComponentRenderer],
})
export class ReportModule {}
