import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect';

/**
 * Accounts of team mode (docs/team.md, Accounts): raters and admins, and their sessions and bearer
 * tokens. Secrets are stored as scrypt hashes only; the single-user mode leaves both tables empty.
 */
export class Accounts1767484800000 implements MigrationInterface {
  name = 'Accounts1767484800000';

  async up(db: QueryRunner): Promise<void> {
    const sql = dialect(db);
    await db.query(`CREATE TABLE "accounts" (
      "id" ${sql.serialId},
      "name" varchar NOT NULL UNIQUE,
      "role" varchar NOT NULL CHECK ("role" IN ('admin', 'rater')),
      "password_hash" varchar,
      "invite_id" varchar UNIQUE,
      "invite_hash" varchar,
      "invite_expires_at" varchar,
      "created_at" varchar NOT NULL
    )`);
    await db.query(`CREATE TABLE "account_sessions" (
      "id" varchar PRIMARY KEY NOT NULL,
      "account_id" integer NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE,
      "kind" varchar NOT NULL CHECK ("kind" IN ('session', 'token')),
      "secret_hash" varchar NOT NULL,
      "created_at" varchar NOT NULL,
      "expires_at" varchar NOT NULL
    )`);
    await db.query(`CREATE INDEX "idx_account_sessions_account" ON "account_sessions" ("account_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "account_sessions"`);
    await db.query(`DROP TABLE "accounts"`);
  }
}
