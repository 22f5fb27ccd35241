import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { HumanScore } from './human-score.entity';
import { RatingsService } from './ratings.service';

/**
 * Human star ratings of run items. It owns the `human_scores` table; everyone else (a run's detail, the
 * judgement summaries) reads ratings through RatingsService.
 */
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([HumanScore])],
  providers: [RatingsService],
  exports: [RatingsService],
})
export class RatingsModule {}
