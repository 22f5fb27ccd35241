import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { RatingsModule } from '../ratings/ratings.module';
import { RunsModule } from '../runs/runs.module';
import { ArenaVote } from './arena-vote.entity';
import { ArenaService } from './arena.service';
import { JudgementService } from './judgement.service';

/**
 * People's judgement beyond single ratings: the pairwise arena and agreement between raters and the score.
 * It owns the `arena_votes` table and reads items and ratings through their modules' services.
 */
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([ArenaVote]), RunsModule, RatingsModule],
  providers: [ArenaService, JudgementService],
  exports: [ArenaService, JudgementService],
})
export class JudgementModule {}
