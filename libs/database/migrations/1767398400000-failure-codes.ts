import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failures are results (docs/api.md §4.1): an item keeps why it failed as a code (`error_code`) and every
 * failed attempt (`attempt_failures`, JSON text), so a retry no longer overwrites the last. Both columns
 * are spelled alike in SQLite and Postgres. Items failed before this migration keep a null code, but for
 * the canceled ones, whose reason is known.
 */
export class FailureCodes1767398400000 implements MigrationInterface {
  name = 'FailureCodes1767398400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "run_items" ADD COLUMN "error_code" varchar`);
    await db.query(`ALTER TABLE "run_items" ADD COLUMN "attempt_failures" text`);
    await db.query(`UPDATE "run_items" SET "error_code" = 'canceled' WHERE "status" = 'canceled'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "run_items" DROP COLUMN "attempt_failures"`);
    await db.query(`ALTER TABLE "run_items" DROP COLUMN "error_code"`);
  }
}
