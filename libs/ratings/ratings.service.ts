import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserError } from '../core/user-error';
import { RunItem } from '../runs/run-item.entity';
import { HumanScore } from './human-score.entity';

/** What `POST /api/rate` answers: the rating now in force and how many the item has had. */
export interface RatingSaved {
  run_item_id: number;
  stars: number;
  ratings: number;
  created_at: string;
}

/** Human 1–5 star ratings of run items. Every rating is kept; the latest one counts. */
@Injectable()
export class RatingsService {
  constructor(
    @InjectRepository(HumanScore) private readonly scores: Repository<HumanScore>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
  ) {}

  async rate(runItemId: number, stars: number): Promise<RatingSaved> {
    if (!Number.isInteger(stars) || stars < 1 || stars > 5) {
      throw new UserError('stars: must be a whole number from 1 to 5');
    }
    if (!Number.isSafeInteger(runItemId) || runItemId < 1)
      throw new UserError('run_item_id: must be a positive whole number');
    const item = await this.items.findOneBy({ id: runItemId });
    if (!item) throw new UserError(`run_item_id: no run item ${runItemId}`, 404);
    const createdAt = new Date().toISOString();
    await this.scores.insert({ runItemId, stars, createdAt });
    const ratings = await this.scores.countBy({ runItemId });
    return { run_item_id: runItemId, stars, ratings, created_at: createdAt };
  }

  /** Every rating of an item, oldest first. */
  history(runItemId: number): Promise<HumanScore[]> {
    return this.scores.find({ where: { runItemId }, order: { id: 'ASC' } });
  }
}
