import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { cliEnv, swapbench } from './support/cli';
import { makeTempData } from './support/fixtures';

// Team mode's commands refuse what they cannot work with, naming it, with exit 2 and nothing created.
// None of this needs a Postgres or a Redis server: the addresses below answer nothing.

const data = makeTempData('team-cli');
after(() => data.cleanup());

const NOWHERE_DB = 'postgres://swapbench:hunter2-db@127.0.0.1:1/swapbench';
const NOWHERE_REDIS = 'redis://:hunter2-redis@127.0.0.1:1';

describe('team mode from the command line', () => {
  test('a worker outside team mode says what it needs', async () => {
    const result = await swapbench(['worker'], cliEnv(data));
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /worker runs in team mode: set SWAPBENCH_DATABASE_URL .* and SWAPBENCH_REDIS_URL/,
    );
  });

  test('a worker refuses unknown queues and a bad concurrency, naming the option', async () => {
    const env = cliEnv(data, { SWAPBENCH_DATABASE_URL: NOWHERE_DB, SWAPBENCH_REDIS_URL: NOWHERE_REDIS });
    const queues = await swapbench(['worker', '--queues', 'generate,paint'], env);
    assert.equal(queues.code, 2);
    assert.match(queues.stderr, /--queues takes generate, score or both; got "generate,paint"/);
    const concurrency = await swapbench(['worker', '--concurrency', '0'], env);
    assert.equal(concurrency.code, 2);
    assert.match(concurrency.stderr, /--concurrency must be a whole number from 1 to 64/);
  });

  test('an unreachable Redis or database is named, without its password', async () => {
    const env = cliEnv(data, { SWAPBENCH_DATABASE_URL: NOWHERE_DB, SWAPBENCH_REDIS_URL: NOWHERE_REDIS });
    const redis = await swapbench(['worker'], env);
    assert.equal(redis.code, 2, redis.stderr);
    assert.match(redis.stderr, /Cannot reach Redis at SWAPBENCH_REDIS_URL \(redis:\/\/127\.0\.0\.1:1\)/);
    const database = await swapbench(['db', 'migrate'], env);
    assert.equal(database.code, 2, database.stderr);
    assert.match(
      database.stderr,
      /Cannot open the database at SWAPBENCH_DATABASE_URL \(postgres:\/\/127\.0\.0\.1:1\/swapbench\): nothing answers/,
    );
    for (const result of [redis, database]) assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
    assert.deepEqual(readdirSync(data.root).sort(), ['datasets']);
  });
});
