import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialect } from './dialect';

/**
 * Team mode's files (docs/team.md): the server and its workers share no disk, so the images and case files
 * one of them writes are stored in the database, each content once (`blobs`, by SHA-256) and each file
 * by its path in the runs or datasets folder (`shared_files`). The single-user default never writes here.
 */
export class SharedFiles1767312000000 implements MigrationInterface {
  name = 'SharedFiles1767312000000';

  async up(db: QueryRunner): Promise<void> {
    const sql = dialect(db);
    await db.query(`CREATE TABLE "blobs" (
      "sha256" varchar PRIMARY KEY NOT NULL,
      "bytes" ${sql.bytes} NOT NULL,
      "size" integer NOT NULL,
      "created_at" varchar NOT NULL
    )`);
    await db.query(`CREATE TABLE "shared_files" (
      "path" varchar PRIMARY KEY NOT NULL,
      "sha256" varchar NOT NULL REFERENCES "blobs" ("sha256"),
      "updated_at" varchar NOT NULL
    )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "shared_files"`);
    await db.query(`DROP TABLE "blobs"`);
  }
}
