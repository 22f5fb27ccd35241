import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { RatingsModule } from '../ratings/ratings.module';
import { RunsModule } from '../runs/runs.module';
import { ArenaService } from './arena.service';
import { JudgementService } from './judgement.service';

/** People's judgement beyond single ratings: the pairwise arena and agreement between raters and the score. */
@Module({
  imports: [DatabaseModule, RunsModule, RatingsModule],
  providers: [ArenaService, JudgementService],
  exports: [ArenaService, JudgementService],
})
export class JudgementModule {}
