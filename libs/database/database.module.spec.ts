import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeTempData } from '../../test/support/fixtures';
import { UserError } from '../core/user-error';
import { databaseOptions, MIGRATIONS, openDatabase } from './database.module';

const data = makeTempData('database', false);
after(() => data.cleanup());

function isUserError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('openDatabase', () => {
  test('creates the schema in a new file, and opening it again changes nothing', async () => {
    const file = join(data.root, 'fresh', 'swapbench.db');
    const db = await openDatabase(databaseOptions(file));
    const tables = await db.query<Array<{ name: string }>>(
      `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
    );
    const names = tables.map((t) => t.name);
    for (const table of ['runs', 'run_items', 'human_scores', 'migrations'])
      assert.ok(names.includes(table), `table ${table}`);
    await db.destroy();

    const again = await openDatabase(databaseOptions(file));
    const applied = await again.query<Array<{ name: string }>>('SELECT name FROM migrations');
    assert.deepEqual(
      applied.map((m) => m.name),
      MIGRATIONS.map((m) => m.name),
    );
    await again.destroy();
  });

  test('two items can never claim the same image path (the no-overwrite guarantee across processes)', async () => {
    const db = await openDatabase(databaseOptions(join(data.root, 'unique', 'swapbench.db')));
    try {
      await db.query(
        `INSERT INTO runs (id, status, case_ids, tool_ids, options, day, created_at) VALUES ('r1', 'running', '[]', '[]', '{}', '2026-01-01', 'now')`,
      );
      const insert = (path: string, cached: number) =>
        db.query(
          `INSERT INTO run_items (run_id, position, case_id, tool_id, status, cache_key, cached, image_path) VALUES ('r1', 0, 'c', 't', 'queued', 'k', ?, ?)`,
          [cached, path],
        );
      await insert('2026-01-01/t/c.png', 0);
      await assert.rejects(insert('2026-01-01/t/c.png', 0), /UNIQUE/);
      // A cache hit points at the earlier item's file on purpose.
      await insert('2026-01-01/t/c.png', 1);
    } finally {
      await db.destroy();
    }
  });

  test('a database written by a newer swapbench (unknown migration) is refused with a clear message', async () => {
    const file = join(data.root, 'newer', 'swapbench.db');
    const db = await openDatabase(databaseOptions(file));
    await db.query(`INSERT INTO migrations (timestamp, name) VALUES (?, ?)`, [
      1999999999999,
      'AddTeleporter1999999999999',
    ]);
    await db.destroy();
    await assert.rejects(
      openDatabase(databaseOptions(file)),
      isUserError(/newer swapbench.*AddTeleporter1999999999999.*Upgrade swapbench/s),
    );
  });

  test('a file that is not a database is a clear error, and is left as it was', async () => {
    const file = join(data.root, 'swapbench-notes.db');
    const notes = 'These are my notes, not a database.\n'.repeat(200);
    writeFileSync(file, notes);
    await assert.rejects(openDatabase(databaseOptions(file)), isUserError(/is not a swapbench database/));
    assert.equal(readFileSync(file, 'utf8'), notes);
  });

  test('a runs folder that cannot be created is a clear error', async () => {
    const blocker = join(data.root, 'a-file');
    writeFileSync(blocker, 'x');
    await assert.rejects(
      openDatabase(databaseOptions(join(blocker, 'runs', 'swapbench.db'))),
      isUserError(/Cannot create the runs folder/),
    );
  });
});
