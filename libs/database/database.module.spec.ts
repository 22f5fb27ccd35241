import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeTempData } from '../../test/support/fixtures';
import { UserError } from '../core/user-error';
import { RunItem } from '../runs/run-item.entity';
import { Run } from '../runs/run.entity';
import { databaseOptions, MIGRATIONS, openDatabase } from './database.module';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';

const data = makeTempData('database');
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

  test('a database of the first schema, with a scored item, opens with scorer_version null on that item', async () => {
    const file = join(data.root, 'before-versions', 'swapbench.db');
    const old = await openDatabase({ ...databaseOptions(file), migrations: [InitialSchema1764230400000] });
    await old.query(
      `INSERT INTO runs (id, status, case_ids, tool_ids, options, day, created_at) VALUES ('r_old', 'finished', '["c"]', '["t"]', '{}', '2026-01-01', 'then')`,
    );
    await old.query(
      `INSERT INTO run_items (run_id, position, case_id, tool_id, status, cache_key, image_path, score, breakdown) VALUES ('r_old', 0, 'c', 't', 'scored', 'k', '2026-01-01/t/c.png', 42.5, '{"background":0.9}')`,
    );
    await old.destroy();

    const db = await openDatabase({ ...databaseOptions(file), entities: [Run, RunItem] });
    try {
      const applied = await db.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
      assert.deepEqual(
        applied.map((m) => m.name),
        MIGRATIONS.map((m) => m.name),
      );
      const items = await db.getRepository(RunItem).findBy({ runId: 'r_old' });
      assert.equal(items.length, 1);
      assert.equal(items[0].score, 42.5);
      assert.deepEqual(items[0].breakdown, { background: 0.9 });
      assert.equal(items[0].scorerVersion, null);
      await db.getRepository(RunItem).update(items[0].id, { scorerVersion: '2.0.0' });
      assert.equal(
        (await db.getRepository(RunItem).findOneByOrFail({ id: items[0].id })).scorerVersion,
        '2.0.0',
      );
    } finally {
      await db.destroy();
    }
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
