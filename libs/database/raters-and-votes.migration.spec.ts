import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeTempData } from '../../test/support/fixtures';
import { databaseOptions, MIGRATIONS, openDatabase } from './database.module';
import { RatersAndVotes1767225600000 } from './migrations/1767225600000-raters-and-votes';

const data = makeTempData('raters-migration');
after(() => data.cleanup());

describe('migration RatersAndVotes1767225600000', () => {
  test('keeps every earlier rating as `anonymous`, not blind; a rating can then be withdrawn; down restores', async () => {
    const file = join(data.root, 'old', 'swapbench.db');
    const before = MIGRATIONS.filter((m) => m !== RatersAndVotes1767225600000);
    const old = await openDatabase({ ...databaseOptions(file), migrations: before });
    await old.query(
      `INSERT INTO runs (id, status, case_ids, tool_ids, options, day, created_at) VALUES ('r1', 'finished', '[]', '[]', '{}', '2026-01-01', 'now')`,
    );
    await old.query(
      `INSERT INTO run_items (id, run_id, position, case_id, tool_id, status, cache_key) VALUES (7, 'r1', 0, 'c', 't', 'scored', 'k')`,
    );
    for (const [stars, at] of [
      [2, '2026-01-01T00:00:00Z'],
      [4, '2026-01-02T00:00:00Z'],
    ] as const)
      await old.query(`INSERT INTO human_scores (run_item_id, stars, created_at) VALUES (7, ?, ?)`, [
        stars,
        at,
      ]);
    await old.destroy();

    const db = await openDatabase(databaseOptions(file));
    try {
      const rows = await db.query<Array<Record<string, unknown>>>(
        `SELECT run_item_id, rater, stars, blind, created_at FROM human_scores ORDER BY id`,
      );
      assert.deepEqual(rows, [
        { run_item_id: 7, rater: 'anonymous', stars: 2, blind: 0, created_at: '2026-01-01T00:00:00Z' },
        { run_item_id: 7, rater: 'anonymous', stars: 4, blind: 0, created_at: '2026-01-02T00:00:00Z' },
      ]);
      // A withdrawal is a row without stars; stars outside 1–5 are still refused by the table itself.
      await db.query(
        `INSERT INTO human_scores (run_item_id, rater, stars, created_at) VALUES (7, 'ann', NULL, 'now')`,
      );
      await assert.rejects(
        db.query(
          `INSERT INTO human_scores (run_item_id, rater, stars, created_at) VALUES (7, 'ann', 6, 'now')`,
        ),
        /CHECK/,
      );
      await assert.rejects(
        db.query(
          `INSERT INTO arena_votes (left_item_id, right_item_id, case_id, winner, rater, created_at) VALUES (7, 7, 'c', 'middle', 'ann', 'now')`,
        ),
        /CHECK/,
      );
      // Deleting the run deletes its items, their ratings and votes.
      await db.query(
        `INSERT INTO arena_votes (left_item_id, right_item_id, case_id, winner, rater, created_at) VALUES (7, 7, 'c', 'tie', 'ann', 'now')`,
      );
      await db.query(`DELETE FROM runs WHERE id = 'r1'`);
      assert.deepEqual(await db.query(`SELECT COUNT(*) AS n FROM human_scores`), [{ n: 0 }]);
      assert.deepEqual(await db.query(`SELECT COUNT(*) AS n FROM arena_votes`), [{ n: 0 }]);
      await db.undoLastMigration({ transaction: 'each' });
      const columns = await db.query<Array<{ name: string }>>(`PRAGMA table_info("human_scores")`);
      assert.deepEqual(
        columns.map((c) => c.name),
        ['id', 'run_item_id', 'stars', 'created_at'],
      );
    } finally {
      await db.destroy();
    }
  });
});
