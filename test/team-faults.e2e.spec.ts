import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { AccountsService } from '../libs/accounts/accounts.service';
import type { RunDetail } from '../libs/runs/run-views';
import { cliEnv, startSwapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';
import { settingsFor } from './support/temp-data';

// Team mode when Redis goes away mid-run (docs/team.md, Failures): a Redis of the test's own, with its
// append-only file on, is stopped and started again while a worker runs a benchmark; the server and the
// worker reconnect by themselves and the run finishes, every item scored.

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const needs = {
  skip:
    (!process.env.SWAPBENCH_TEST_DATABASE_URL && 'team mode needs Postgres: SWAPBENCH_TEST_DATABASE_URL') ||
    (!hasRedisServer && 'needs the redis-server program'),
  timeout: 180_000,
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('team mode: Redis restarted mid-run', needs, () => {
  const data = makeTempData('team-faults');
  const log = join(data.root, 'calls.log');
  const config = join(data.root, 'swapbench.config.json');
  const children: ChildProcess[] = [];
  let redis: ChildProcess | undefined;
  let port = 0;
  let app: INestApplication | undefined;

  /** A Redis that keeps its data in an append-only file in the test's folder, written on every change. */
  async function startRedis(): Promise<ChildProcess> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    const child = spawn('redis-server', [...args, '--appendfsync', 'always', '--dir', data.root], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
    return child;
  }

  before(async () => {
    port = await freePort();
    redis = await startRedis();
    await writeFaceCases(data.datasets, 4, 'rf');
    const plugin = join(__dirname, 'support', 'counting.plugin.js');
    writeFileSync(
      config,
      JSON.stringify({ plugins: [{ module: plugin, options: { log, delay_ms: 600, concurrency: 1 } }] }),
    );
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await app?.close();
    redis?.kill('SIGKILL');
    data.cleanup();
  });

  test('the server and the worker reconnect, and the run finishes', async () => {
    const redisUrl = `redis://127.0.0.1:${port}`;
    const settings = settingsFor(
      { datasets: data.datasets, runs: data.runs, databaseUrl: data.databaseUrl },
      { SWAPBENCH_REDIS_URL: redisUrl, SWAPBENCH_CONFIG: config },
    );
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings });
    const base = serverUrl(app);
    const { invite } = await app.get(AccountsService).add('ada', 'admin');
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ invite, token: true }),
    });
    const headers = { Authorization: `Bearer ${((await login.json()) as { token: string }).token}` };

    const own = { datasets: join(data.root, 'w', 'datasets'), runs: join(data.root, 'w', 'runs') };
    const worker = startSwapbench(
      ['worker', '--lock-seconds', '5'],
      cliEnv(
        { ...own, databaseUrl: data.databaseUrl },
        { SWAPBENCH_REDIS_URL: redisUrl, SWAPBENCH_CONFIG: config },
      ),
    );
    children.push(worker);
    await new Promise<void>((resolve) =>
      worker.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('is taking jobs') && resolve()),
    );

    const started = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ case_ids: 'all', tool_ids: ['test_counting'], options: { cache: false } }),
    });
    assert.equal(started.status, 202);
    const { run_id: runId } = (await started.json()) as { run_id: string };

    // Once the first call has ended, Redis stops and, a second later, starts again.
    const done = () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('done'))
        : [];
    const deadline = Date.now() + 60_000;
    while (done().length === 0) {
      assert.ok(Date.now() < deadline, 'no tool call ended');
      await new Promise((r) => setTimeout(r, 20));
    }
    redis!.kill('SIGTERM');
    await new Promise((resolve) => redis!.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 1000));
    redis = await startRedis();

    let detail: RunDetail;
    for (;;) {
      detail = (await (await fetch(`${base}/api/runs/${runId}`, { headers })).json()) as RunDetail;
      if (detail.status !== 'running') break;
      assert.ok(Date.now() < deadline + 60_000, `the run did not finish: ${JSON.stringify(detail.progress)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(detail.status, 'finished');
    for (const item of detail.items) assert.equal(item.status, 'scored', `${item.case_id}: ${item.error}`);
  });
});
