import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { packageRoot } from '../../libs/core/package-root';
import { parseSettings } from '../../libs/core/config/swapbench-settings';
import { teamRedis } from '../../libs/team/redis';

/**
 * With `SWAPBENCH_TEST_DATABASE_URL` (a Postgres server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`),
 * each test's data gets a database of its own on that server, migrated by `swapbench db migrate`, so the
 * same specs run on Postgres; without it, tests use the SQLite file in their runs folder. Made and dropped
 * in child processes, so that the test's temp data stays a synchronous thing to make.
 */
export function testDatabase(label: string): { url: string; drop: () => void } | null {
  const server = process.env.SWAPBENCH_TEST_DATABASE_URL;
  if (!server) return null;
  const name = `swapbench_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  admin(server, `CREATE DATABASE "${name}"`);
  execFileSync(process.execPath, [join(packageRoot(), 'bin', 'swapbench.js'), 'db', 'migrate'], {
    env: { ...process.env, SWAPBENCH_DATABASE_URL: url.toString() },
    stdio: 'ignore',
  });
  const drop = () => {
    admin(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    forgetTeamKeys(url.toString());
  };
  return { url: url.toString(), drop };
}

/**
 * Deletes what a test's team left in the local Redis (its queues, workers and events live under a prefix
 * of its own database, see `teamRedis`), so that test runs do not pile up keys there.
 */
function forgetTeamKeys(databaseUrl: string): void {
  const redis = process.env.SWAPBENCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { prefix } = teamRedis(
    parseSettings({ SWAPBENCH_DATABASE_URL: databaseUrl, SWAPBENCH_REDIS_URL: redis }),
  );
  const script = `
    const { Redis } = require('ioredis');
    const redis = new Redis(process.argv[1], { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    (async () => {
      await redis.connect();
      const stream = redis.scanStream({ match: process.argv[2] + ':*', count: 500 });
      for await (const keys of stream) if (keys.length > 0) await redis.del(...keys);
    })().catch(() => undefined).finally(() => redis.disconnect());`;
  execFileSync(process.execPath, ['-e', script, redis, prefix], { cwd: packageRoot(), stdio: 'inherit' });
}

/** Runs one statement on the server's own database, in a child process. */
function admin(server: string, statement: string): void {
  const script = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1] });
    client.connect().then(() => client.query(process.argv[2])).finally(() => client.end())
      .catch((error) => { console.error(error.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, server, statement], { cwd: packageRoot(), stdio: 'inherit' });
}
