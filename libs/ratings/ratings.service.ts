import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { isForeignKeyViolation } from '../database/constraint-errors';
import { isRowId, MAX_ROW_ID } from '../database/row-id';
import { UserError } from '../core/user-error';
import { HumanScore } from './human-score.entity';
import { ANONYMOUS, raterSchema } from './rater';
import { ratingFields, ratingsInForce, type ItemRatings } from './ratings-in-force';

/** What `POST /api/rate` answers: the rater's rating now, and the item's mean over raters. */
export interface RatingSaved {
  run_item_id: number;
  rater: string;
  /** The rater's stars now (null: withdrawn). */
  stars: number | null;
  blind: boolean;
  /** Mean stars over the raters of the item, and how many they are. */
  stars_mean: number | null;
  stars_n: number;
  /** Rows in the item's rating history. */
  ratings: number;
  created_at: string;
}

/**
 * Human 1–5 star ratings of run items, one in force per item and rater. Every rating is kept as a row;
 * the rater's latest counts, and a row without stars withdraws it.
 */
@Injectable()
export class RatingsService {
  constructor(@InjectRepository(HumanScore) private readonly scores: Repository<HumanScore>) {}

  async rate(
    runItemId: number,
    stars: number | null,
    rater = ANONYMOUS,
    blind = false,
  ): Promise<RatingSaved> {
    if (stars !== null && (!Number.isInteger(stars) || stars < 1 || stars > 5)) {
      throw new UserError('stars: must be a whole number from 1 to 5, or null to remove the rating');
    }
    if (!isRowId(runItemId))
      throw new UserError(`run_item_id: must be a whole number from 1 to ${MAX_ROW_ID}`);
    const name = raterSchema.safeParse(rater);
    if (!name.success) throw new UserError(`rater: ${name.error.issues[0].message}`);
    const createdAt = new Date().toISOString();
    // The rating's foreign key to run_items (enforced: openDatabase turns foreign_keys on) is the check
    // that the item exists, so ratings need nothing of the runs module.
    await this.scores.insert({ runItemId, stars, rater, blind, createdAt }).catch((error: Error) => {
      if (isForeignKeyViolation(error)) throw new UserError(`run_item_id: no run item ${runItemId}`, 404);
      throw error;
    });
    const now = (await this.ofItems([runItemId])).get(runItemId);
    const fields = ratingFields(now, rater);
    return {
      run_item_id: runItemId,
      rater,
      stars,
      blind,
      stars_mean: fields.stars,
      stars_n: fields.stars_n,
      ratings: fields.ratings,
      created_at: createdAt,
    };
  }

  /** The ratings in force of some items (missing items have none). */
  async ofItems(itemIds: number[]): Promise<Map<number, ItemRatings>> {
    const rows: HumanScore[] = [];
    for (let i = 0; i < itemIds.length; i += 500) {
      rows.push(...(await this.scores.find({ where: { runItemId: In(itemIds.slice(i, i + 500)) } })));
    }
    return ratingsInForce(rows);
  }

  /** Every rating of an item, oldest first. */
  history(runItemId: number): Promise<HumanScore[]> {
    return this.scores.find({ where: { runItemId }, order: { id: 'ASC' } });
  }
}
