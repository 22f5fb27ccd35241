import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { makeTempData } from '../../test/support/fixtures';
import { settingsFor } from '../../test/support/temp-data';
import { databaseOptions, openDatabase } from './database.module';
import { DatabaseFiles } from './shared-files';

// Two processes of a team with folders of their own and one database between them (the test's Postgres
// database where SWAPBENCH_TEST_DATABASE_URL names a server, else a SQLite file both open).

const data = makeTempData('shared-files');
let db: DataSource;
let writer: DatabaseFiles;
let reader: DatabaseFiles;
const readerRuns = join(data.root, 'reader-runs');

before(async () => {
  db = await openDatabase(databaseOptions(data.databaseUrl ?? join(data.runs, 'swapbench.db')));
  writer = new DatabaseFiles(db, data.settings);
  reader = new DatabaseFiles(
    db,
    settingsFor({ datasets: join(data.root, 'reader-datasets'), runs: readerRuns }),
  );
});

after(async () => {
  await db?.destroy();
  data.cleanup();
});

function write(root: string, path: string, content: string): void {
  mkdirSync(join(root, ...path.split('/').slice(0, -1)), { recursive: true });
  writeFileSync(join(root, ...path.split('/')), content);
}

describe('files shared through the database', () => {
  test('a file one process publishes is the file another fetches, into its own folder', async () => {
    write(data.runs, '2026-12-08/tool/case.png', 'first image');
    await writer.publish('runs', '2026-12-08/tool/case.png');
    assert.equal(await reader.fetch('runs', '2026-12-08/tool/case.png'), true);
    assert.equal(readFileSync(join(readerRuns, '2026-12-08', 'tool', 'case.png'), 'utf8'), 'first image');
  });

  test('a file nobody published is not there', async () => {
    assert.equal(await reader.fetch('runs', '2026-12-08/tool/nothing.png'), false);
  });

  test('a file published again is fetched again; an unchanged one is left alone', async () => {
    write(data.runs, 'a/b.json', 'one');
    await writer.publish('runs', 'a/b.json');
    await reader.fetch('runs', 'a/b.json');
    write(data.runs, 'a/b.json', 'two');
    await writer.publish('runs', 'a/b.json');
    await reader.fetch('runs', 'a/b.json');
    assert.equal(readFileSync(join(readerRuns, 'a', 'b.json'), 'utf8'), 'two');
  });

  test('the same content is stored once, and a folder lists its files', async () => {
    write(data.datasets, 'case_a/template.png', 'same bytes');
    write(data.datasets, 'case_a/avatars/x.png', 'same bytes');
    write(data.datasets, 'case_ab/template.png', 'other');
    for (const path of ['case_a/template.png', 'case_a/avatars/x.png', 'case_ab/template.png'])
      await writer.publish('datasets', path);
    const [{ n }] = await db.query<Array<{ n: string | number }>>(
      `SELECT COUNT(*) AS n FROM "blobs" WHERE "size" = ${'same bytes'.length}`,
    );
    assert.equal(Number(n), 1);
    assert.deepEqual(await reader.list('datasets', 'case_a'), [
      'case_a/avatars/x.png',
      'case_a/template.png',
    ]);
  });
});
