import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect';

/** The first schema: runs, their items, and human ratings (docs/api.md §6). */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(db: QueryRunner): Promise<void> {
    const sql = dialect(db);
    await db.query(`CREATE TABLE "runs" (
      "id" varchar PRIMARY KEY NOT NULL,
      "status" varchar NOT NULL,
      "case_ids" text NOT NULL,
      "tool_ids" text NOT NULL,
      "options" text NOT NULL,
      "day" varchar NOT NULL,
      "created_at" varchar NOT NULL,
      "finished_at" varchar,
      "heartbeat_at" varchar,
      "owner" varchar
    )`);
    await db.query(`CREATE TABLE "run_items" (
      "id" ${sql.serialId},
      "run_id" varchar NOT NULL REFERENCES "runs" ("id") ON DELETE CASCADE,
      "position" integer NOT NULL,
      "case_id" varchar NOT NULL,
      "tool_id" varchar NOT NULL,
      "status" varchar NOT NULL,
      "cache_key" varchar NOT NULL,
      "cached" boolean NOT NULL DEFAULT (${sql.false}),
      "image_path" varchar,
      "attempts" integer NOT NULL DEFAULT (0),
      "score" ${sql.real},
      "breakdown" text,
      "error" text,
      "meta" text,
      "latency_ms" integer,
      "cost_usd" ${sql.real},
      "started_at" varchar,
      "finished_at" varchar
    )`);
    await db.query(`CREATE INDEX "idx_run_items_run" ON "run_items" ("run_id", "position")`);
    await db.query(`CREATE INDEX "idx_run_items_cache_key" ON "run_items" ("cache_key")`);
    // A path belongs to one item unless a later item reuses it from the cache.
    await db.query(
      `CREATE UNIQUE INDEX "idx_run_items_image_path" ON "run_items" ("image_path") WHERE "cached" = ${sql.false}`,
    );
    await db.query(`CREATE TABLE "human_scores" (
      "id" ${sql.serialId},
      "run_item_id" integer NOT NULL REFERENCES "run_items" ("id") ON DELETE CASCADE,
      "stars" integer NOT NULL CHECK ("stars" BETWEEN 1 AND 5),
      "created_at" varchar NOT NULL
    )`);
    await db.query(`CREATE INDEX "idx_human_scores_item" ON "human_scores" ("run_item_id", "id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "human_scores"`);
    await db.query(`DROP TABLE "run_items"`);
    await db.query(`DROP TABLE "runs"`);
  }
}
