import { Module } from '@nestjs/common';
import { AccountsModule } from '../../accounts/accounts.module';
import { CasesModule } from '../../cases/cases.module';
import { JudgementModule } from '../../judgement/judgement.module';
import { ReportModule } from '../../report/report.module';
import { RunsModule } from '../../runs/runs.module';
import { ToolsModule } from '../../tools/tools.module';
import { SiteController } from './site.controller';
import { TeamModule } from '../../team/team.module';

/** The web app's pages and fragments (server-rendered Astro components), its client assets, and report downloads. */
@Module({
  imports: [CasesModule, ToolsModule, RunsModule, ReportModule, JudgementModule, AccountsModule, TeamModule],
  controllers: [SiteController],
})
export class SiteModule {}
