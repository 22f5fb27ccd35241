import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client } from 'pg';
import { testDatabase } from '../../test/support/test-database';
import { UserError } from '../core/user-error';
import { databaseOptions, MIGRATIONS, migrateDatabase, openDatabase } from './database.module';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';

// The database of team mode. The first tests need no server; the others run where SWAPBENCH_TEST_DATABASE_URL
// names one (CI starts Postgres on loopback), each on a database of its own.

function isUserError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('a Postgres database that cannot be opened', () => {
  test('nothing answering is named, with the URL but not its password', async () => {
    const url = 'postgres://swapbench:hunter2-secret@127.0.0.1:1/swapbench';
    await assert.rejects(openDatabase(databaseOptions(url), 'refuse'), (error: unknown) => {
      isUserError(/SWAPBENCH_DATABASE_URL \(postgres:\/\/127\.0\.0\.1:1\/swapbench\).*nothing answers/)(
        error,
      );
      assert.doesNotMatch((error as Error).message, /hunter2/);
      return true;
    });
  });

  test('an unknown host is named', async () => {
    await assert.rejects(
      openDatabase(databaseOptions('postgres://db.invalid:5432/swapbench'), 'refuse'),
      isUserError(/db\.invalid.*(host name is unknown|could not be looked up)/),
    );
  });
});

const server = process.env.SWAPBENCH_TEST_DATABASE_URL;
const needsServer = { skip: !server && 'SWAPBENCH_TEST_DATABASE_URL names no Postgres server' };

describe('a Postgres database', needsServer, () => {
  const made: Array<() => void> = [];
  after(() => made.forEach((drop) => drop()));

  /** A migrated database of this test's own. */
  function fresh(label: string): string {
    const database = testDatabase(label)!;
    made.push(database.drop);
    return database.url;
  }

  async function sql(url: string, statement: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  }

  test('an unmigrated database is refused with the command that sets it up, and migrate sets it up once', async () => {
    const url = fresh('pg_refuse');
    await sql(
      url,
      'DROP TABLE "account_sessions", "accounts", "arena_votes", "human_scores", "run_items", "runs", "migrations"',
    );
    await assert.rejects(openDatabase(databaseOptions(url), 'refuse'), isUserError(/swapbench db migrate/));
    const first = await migrateDatabase(url);
    assert.deepEqual(
      first.applied,
      MIGRATIONS.map((m) => m.name),
    );
    assert.deepEqual((await migrateDatabase(url)).applied, []);
    const db = await openDatabase(databaseOptions(url), 'refuse');
    await db.destroy();
  });

  test('a database of an older schema is refused until migrated', async () => {
    const url = fresh('pg_older');
    await sql(url, `DELETE FROM "migrations" WHERE "name" <> '${InitialSchema1764230400000.name}'`);
    await assert.rejects(openDatabase(databaseOptions(url), 'refuse'), isUserError(/db migrate/));
  });

  test('a database written by a newer swapbench is refused', async () => {
    const url = fresh('pg_newer');
    await sql(
      url,
      `INSERT INTO "migrations" ("timestamp", "name") VALUES (1999999999999, 'AddTeleporter1999999999999')`,
    );
    await assert.rejects(
      openDatabase(databaseOptions(url), 'refuse'),
      isUserError(/newer swapbench.*AddTeleporter1999999999999/s),
    );
  });

  test('scores keep their precision (double, not Postgres’s single-precision real)', async () => {
    const url = fresh('pg_precision');
    await sql(
      url,
      `INSERT INTO runs (id, status, case_ids, tool_ids, options, day, created_at) VALUES ('r1', 'finished', '[]', '[]', '{}', '2026-01-01', 'now')`,
    );
    await sql(
      url,
      `INSERT INTO run_items (run_id, position, case_id, tool_id, status, cache_key, score) VALUES ('r1', 0, 'c', 't', 'scored', 'k', 92.7123456789)`,
    );
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ score: number }>('SELECT score FROM run_items');
      assert.equal(rows[0].score, 92.7123456789);
    } finally {
      await client.end();
    }
  });
});
