import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Benchmark as code (docs/suites.md): every item names its variant (a tool under a label with its own
 * options) and its sample (0-based), and a run started from a suite file keeps the file's path and content
 * hash.
 * Items stored before variants existed become their tool's default variant, sample 0.
 */
export class VariantsSamples1767139200001 implements MigrationInterface {
  name = 'VariantsSamples1767139200001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "run_items" ADD COLUMN "variant" varchar NOT NULL DEFAULT ''`);
    await db.query(`ALTER TABLE "run_items" ADD COLUMN "sample" integer NOT NULL DEFAULT (0)`);
    await db.query(`UPDATE "run_items" SET "variant" = "tool_id" WHERE "variant" = ''`);
    await db.query(`ALTER TABLE "runs" ADD COLUMN "suite_path" varchar`);
    await db.query(`ALTER TABLE "runs" ADD COLUMN "suite_hash" varchar`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "runs" DROP COLUMN "suite_hash"`);
    await db.query(`ALTER TABLE "runs" DROP COLUMN "suite_path"`);
    await db.query(`ALTER TABLE "run_items" DROP COLUMN "sample"`);
    await db.query(`ALTER TABLE "run_items" DROP COLUMN "variant"`);
  }
}
