import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every score records the version of the scorer that gave it (docs/score.md), so scores of different scorers
 * are never compared unknowingly. Items scored before versions existed keep null: "unversioned".
 */
export class ScorerVersion1767052800000 implements MigrationInterface {
  name = 'ScorerVersion1767052800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "run_items" ADD COLUMN "scorer_version" text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "run_items" DROP COLUMN "scorer_version"`);
  }
}
