import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect';

/**
 * People's judgement (docs/judgement.md): every rating has a rater and says whether it was given blind, and a
 * rater can withdraw a rating (a row with no stars); earlier ratings become `anonymous`, not blind.
 * Pairwise arena votes get their own table. SQLite cannot relax a NOT NULL column in place, so
 * `human_scores` is rebuilt with every row copied.
 */
export class RatersAndVotes1767225600000 implements MigrationInterface {
  name = 'RatersAndVotes1767225600000';

  async up(db: QueryRunner): Promise<void> {
    const sql = dialect(db);
    await db.query(`CREATE TABLE "human_scores_rated" (
      "id" ${sql.serialId},
      "run_item_id" integer NOT NULL REFERENCES "run_items" ("id") ON DELETE CASCADE,
      "rater" varchar NOT NULL DEFAULT ('anonymous'),
      "stars" integer CHECK ("stars" IS NULL OR "stars" BETWEEN 1 AND 5),
      "blind" boolean NOT NULL DEFAULT (${sql.false}),
      "created_at" varchar NOT NULL
    )`);
    await db.query(`INSERT INTO "human_scores_rated" ("id", "run_item_id", "rater", "stars", "blind", "created_at")
      SELECT "id", "run_item_id", 'anonymous', "stars", ${sql.false}, "created_at" FROM "human_scores"`);
    await db.query(`DROP TABLE "human_scores"`);
    await db.query(`ALTER TABLE "human_scores_rated" RENAME TO "human_scores"`);
    await db.query(`CREATE INDEX "idx_human_scores_item" ON "human_scores" ("run_item_id", "rater", "id")`);
    await db.query(`CREATE TABLE "arena_votes" (
      "id" ${sql.serialId},
      "left_item_id" integer NOT NULL REFERENCES "run_items" ("id") ON DELETE CASCADE,
      "right_item_id" integer NOT NULL REFERENCES "run_items" ("id") ON DELETE CASCADE,
      "case_id" varchar NOT NULL,
      "winner" varchar NOT NULL CHECK ("winner" IN ('left', 'right', 'tie', 'both_bad')),
      "rater" varchar NOT NULL,
      "created_at" varchar NOT NULL
    )`);
    await db.query(`CREATE INDEX "idx_arena_votes_left" ON "arena_votes" ("left_item_id")`);
    await db.query(`CREATE INDEX "idx_arena_votes_right" ON "arena_votes" ("right_item_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    const sql = dialect(db);
    await db.query(`DROP TABLE "arena_votes"`);
    await db.query(`CREATE TABLE "human_scores_plain" (
      "id" ${sql.serialId},
      "run_item_id" integer NOT NULL REFERENCES "run_items" ("id") ON DELETE CASCADE,
      "stars" integer NOT NULL CHECK ("stars" BETWEEN 1 AND 5),
      "created_at" varchar NOT NULL
    )`);
    await db.query(`INSERT INTO "human_scores_plain" ("id", "run_item_id", "stars", "created_at")
      SELECT "id", "run_item_id", "stars", "created_at" FROM "human_scores" WHERE "stars" IS NOT NULL`);
    await db.query(`DROP TABLE "human_scores"`);
    await db.query(`ALTER TABLE "human_scores_plain" RENAME TO "human_scores"`);
    await db.query(`CREATE INDEX "idx_human_scores_item" ON "human_scores" ("run_item_id", "id")`);
  }
}
