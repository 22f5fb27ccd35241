import type { HumanScore } from './human-score.entity';

/** A rater's rating of one item now: their latest row, when it has stars. */
export interface RatingInForce {
  rater: string;
  stars: number;
  blind: boolean;
}

/** Per item: the ratings in force (one per rater) and how many rows its history has. */
export interface ItemRatings {
  byRater: Map<string, RatingInForce>;
  history: number;
}

/**
 * Folds rating rows (any order) into the ratings in force: per item and rater the latest row counts, and
 * a latest row without stars means the rater withdrew their rating.
 */
export function ratingsInForce(rows: HumanScore[]): Map<number, ItemRatings> {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  const result = new Map<number, ItemRatings>();
  for (const row of sorted) {
    let item = result.get(row.runItemId);
    if (!item) result.set(row.runItemId, (item = { byRater: new Map(), history: 0 }));
    item.history++;
    if (row.stars === null) item.byRater.delete(row.rater);
    else item.byRater.set(row.rater, { rater: row.rater, stars: row.stars, blind: Boolean(row.blind) });
  }
  return result;
}

/** The item view's rating fields: mean stars over raters, how many raters, and one rater's own stars. */
export function ratingFields(
  ratings: ItemRatings | undefined,
  rater?: string,
): { stars: number | null; stars_n: number; my_stars: number | null; ratings: number } {
  const all = ratings ? [...ratings.byRater.values()] : [];
  return {
    stars: all.length === 0 ? null : all.reduce((s, r) => s + r.stars, 0) / all.length,
    stars_n: all.length,
    my_stars: rater === undefined ? null : (ratings?.byRater.get(rater)?.stars ?? null),
    ratings: ratings?.history ?? 0,
  };
}
