import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import type { ItemStatus, RunEvent } from '../libs/core/run-events';
import { AccountsService } from '../libs/accounts/accounts.service';
import type { RunDetail } from '../libs/runs/run-views';
import type { TeamView } from '../libs/team/team-view';
import { cliEnv, finished, startSwapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';
import { settingsFor } from './support/temp-data';

// Team mode for real (docs/team.md): one server and two worker processes on the test's Postgres database
// and the local Redis, each worker with folders of its own (no shared disk). One worker is killed with
// SIGKILL in the middle of a tool call; its job goes to the other, and every item still ends scored once.

const REDIS = process.env.SWAPBENCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CASES = 6;
const ORDER: ItemStatus[] = ['queued', 'generating', 'generated', 'evaluating', 'scored'];

const needs = {
  skip: !process.env.SWAPBENCH_TEST_DATABASE_URL && 'team mode needs Postgres: SWAPBENCH_TEST_DATABASE_URL',
  timeout: 240_000,
};

describe('team mode: a server and two workers', needs, () => {
  const data = makeTempData('team');
  const log = join(data.root, 'calls.log');
  const limitedLog = join(data.root, 'limited.log');
  const config = join(data.root, 'swapbench.config.json');
  const workers: ChildProcess[] = [];
  const sockets: Socket[] = [];
  let app: INestApplication | undefined;
  let base: string;
  /** An admin's session: every request of team mode is signed in. */
  let headers: Record<string, string>;
  const get = (path: string) => fetch(`${base}${path}`, { headers });

  /** A worker process with a runs and a datasets folder of its own. */
  async function startWorker(name: string): Promise<ChildProcess> {
    const own = { datasets: join(data.root, name, 'datasets'), runs: join(data.root, name, 'runs') };
    const env = cliEnv(
      { ...own, databaseUrl: data.databaseUrl },
      { SWAPBENCH_REDIS_URL: REDIS, SWAPBENCH_CONFIG: config },
    );
    const child = startSwapbench(['worker', '--lock-seconds', '3'], env);
    workers.push(child);
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('is taking jobs')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before taking jobs`)));
    });
    return child;
  }

  /** The tool calls logged so far: `start|done|limited`, case, worker's pid, time. */
  function calls(file = log): Array<{ kind: string; caseId: string; pid: number; at: number }> {
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [kind, caseId, pid, at] = line.split(' ');
        return { kind, caseId, pid: Number(pid), at: Number(at) };
      });
  }

  /** Starts a run of every case with the tool as an admin; resolves with its id once it has finished. */
  async function runToEnd(toolId: string): Promise<string> {
    const socket = io(base, { transports: ['websocket'], forceNew: true, extraHeaders: headers });
    sockets.push(socket);
    const done = new Promise<void>((resolve) => socket.on('run_finished', () => resolve()));
    const started = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ case_ids: 'all', tool_ids: [toolId], options: { cache: false } }),
    });
    const { run_id: runId } = (await started.json()) as { run_id: string };
    await socket.emitWithAck('watch', runId);
    await done;
    socket.close();
    return runId;
  }

  before(async () => {
    await writeFaceCases(data.datasets, CASES, 'tm');
    const plugin = join(__dirname, 'support', 'counting.plugin.js');
    writeFileSync(
      config,
      JSON.stringify({
        plugins: [
          { module: plugin, options: { log, delay_ms: 700, concurrency: 2 } },
          {
            module: plugin,
            options: {
              id: 'test_limited',
              log: limitedLog,
              delay_ms: 200,
              concurrency: 2,
              rate_limit_first_ms: 3000,
            },
          },
        ],
      }),
    );
    const settings = settingsFor(
      { datasets: data.datasets, runs: data.runs, databaseUrl: data.databaseUrl },
      { SWAPBENCH_REDIS_URL: REDIS, SWAPBENCH_CONFIG: config },
    );
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings });
    base = serverUrl(app);
    const { invite } = await app.get(AccountsService).add('ada', 'admin');
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ invite, token: true }),
    });
    const { token } = (await login.json()) as { token: string };
    headers = { Authorization: `Bearer ${token}` };
  });

  after(async () => {
    // A test that failed midway leaves its socket open, which would keep this process alive.
    for (const socket of sockets) socket.close();
    for (const worker of workers) worker.kill('SIGKILL');
    await app?.close();
    data.cleanup();
  });

  test('runs a benchmark across both workers: the tool limit holds, a killed worker loses nothing', async () => {
    const pair = await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);

    const socket = io(base, { transports: ['websocket'], forceNew: true, extraHeaders: headers });
    sockets.push(socket);
    const events: RunEvent[] = [];
    const runFinished = new Promise<void>((resolve) => {
      socket.on('update', (e: RunEvent) => events.push(e));
      socket.on('run_finished', (e: RunEvent) => {
        events.push(e);
        resolve();
      });
    });
    const started = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ case_ids: 'all', tool_ids: ['test_counting'], options: { cache: false } }),
    });
    assert.equal(started.status, 202, await started.clone().text());
    const { run_id: runId } = (await started.json()) as { run_id: string };
    assert.equal(((await socket.emitWithAck('watch', runId)) as { ok: boolean }).ok, true);

    // Kill the worker that makes the first tool call, in the middle of it (either may take the first job).
    const deadline = Date.now() + 60_000;
    while (!calls().some((c) => c.kind === 'start')) {
      assert.ok(Date.now() < deadline, 'no worker made a tool call');
      await new Promise((r) => setTimeout(r, 20));
    }
    const firstCall = calls().find((c) => c.kind === 'start')!;
    const first = pair.find((w) => w.pid === firstCall.pid)!;
    const survivorProcess = pair.find((w) => w !== first)!;
    first.kill('SIGKILL');
    await finished(first).catch(() => undefined);

    await runFinished;
    socket.close();
    const detail = (await (await get(`/api/runs/${runId}`)).json()) as RunDetail;
    assert.equal(detail.status, 'finished');
    assert.equal(detail.items.length, CASES);
    for (const item of detail.items) assert.equal(item.status, 'scored', `${item.case_id}: ${item.error}`);

    // Every item scored once, its events in the order of its life.
    for (const item of detail.items) {
      const statuses = events
        .filter((e) => e.type === 'update' && e.item_id === item.id)
        .map((e) => (e.type === 'update' ? e.status : 'queued'));
      assert.equal(
        statuses.filter((s) => s === 'scored').length,
        1,
        `${item.case_id}: ${statuses.join(' ')}`,
      );
      assert.equal(statuses.at(-1), 'scored');
      const ranks = statuses.map((s) => ORDER.indexOf(s));
      // A job taken up again after the kill starts the item's attempt over: generating may come back.
      const backwards = ranks.filter((r, i) => i > 0 && r < ranks[i - 1] && !(r === 1 && ranks[i - 1] === 1));
      assert.deepEqual(backwards, [], `${item.case_id}: ${statuses.join(' ')}`);
    }
    assert.equal(events.at(-1)?.type, 'run_finished');

    // The tool's limit of 2 held across both workers, and was reached. The killed worker's call never
    // logged its end: it counts until its job was taken up again (its case started by the other worker).
    let most = 0;
    const open = new Map<string, number>();
    for (const call of calls()) {
      if (call.kind === 'start') open.set(call.caseId, call.pid);
      else open.delete(call.caseId);
      most = Math.max(most, open.size);
    }
    assert.ok(most <= 2, `at most 2 tool calls at once across the workers, saw ${most}`);
    assert.equal(most, 2, 'the calls overlapped');
    // The killed worker's call was made again by the other worker.
    const killed = calls()
      .filter((c) => c.pid === first.pid && c.kind === 'start')
      .at(-1)!;
    assert.ok(
      calls().some((c) => c.caseId === killed.caseId && c.pid !== first.pid && c.kind === 'done'),
      `${killed.caseId} was generated again by the other worker`,
    );

    // No shared disk: the server holds no output, and serves each from the database.
    const item = detail.items[0];
    assert.equal(existsSync(join(data.runs, ...item.image_path!.split('/'))), false);
    const image = await get(item.image_url!);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    // The admin's view of the team: both workers heard of, the survivor alive with its jobs done.
    const team = (await (await get('/api/team')).json()) as TeamView;
    assert.equal(team.team_mode, true);
    const survivor = team.workers.find((w) => w.pid === survivorProcess.pid);
    assert.ok(survivor?.alive && survivor.done > 0, JSON.stringify(team.workers));
    assert.ok(team.workers.some((w) => w.pid === first.pid));
    assert.deepEqual(team.queues, []);
    const admin = await (await get('/admin')).text();
    assert.match(admin, new RegExp(`data-testid="worker-${survivor.pid}"`));
    assert.match(admin, /data-testid="queues-empty"/);

    // The report brings every output into the server's folder to inline it.
    const other = join(data.runs, ...detail.items[1].image_path!.split('/'));
    assert.equal(existsSync(other), false);
    const report = await get(`/api/runs/${runId}/report`);
    assert.equal(report.status, 200);
    assert.equal(existsSync(other), true);
  });

  test("a service's 429 holds back that tool's next calls on every worker", async () => {
    // Two workers (the survivor of the test above and a new one). The first call is answered 429, asking
    // for 3 s, and holds one of the tool's 2 places meanwhile. The other place frees every 200 ms:
    // without the pause of the queue, the next items would start in it. Jobs already taken when the 429
    // came start at once (the first 600 ms are left out); no job is taken after it until the 3 s are up.
    await startWorker('worker-c');
    const runId = await runToEnd('test_limited');
    const detail = (await (await get(`/api/runs/${runId}`)).json()) as RunDetail;
    for (const item of detail.items) assert.equal(item.status, 'scored', `${item.case_id}: ${item.error}`);
    const log = calls(limitedLog);
    const firstLimit = log.find((c) => c.kind === 'limited')!;
    assert.ok(firstLimit, 'a call was answered 429');
    const startedSoon = log.filter(
      (c) => c.kind === 'start' && c.at > firstLimit.at + 600 && c.at < firstLimit.at + 2500,
    );
    assert.deepEqual(startedSoon, [], 'no call started while the tool was held back');
  });
});
