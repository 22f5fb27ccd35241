import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { io } from 'socket.io-client';
import type { RunEvent } from '../libs/core/run-events';
import type { RunDetail } from '../libs/runs/run-views';
import { cliEnv, finished, startSwapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';

// Issue 8: the server is killed (SIGKILL) in the middle of a run and started again. The run resumes by
// itself, and a connected client that follows the web app's own logic (Socket.IO reconnects, and on every
// `connect` emits `watch` again) recovers its live view and sees the run to its end. Then the server
// stops on SIGTERM even while live clients (Socket.IO, SSE) are connected.

const data = makeTempData('restart');
after(() => data.cleanup());
const log = join(data.root, 'calls.log');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function until<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const logLines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

test(
  'a server killed mid-run resumes the run on restart and live clients recover',
  { timeout: 120_000 },
  async () => {
    const cases = await writeFaceCases(data.datasets, 8, 'sr');
    const config = join(data.root, 'swapbench.config.json');
    const plugin = join(__dirname, 'support', 'slow-log.plugin.js');
    writeFileSync(config, JSON.stringify({ plugins: [{ module: plugin, options: { log, delay_ms: 150 } }] }));
    const env = cliEnv(data, { SWAPBENCH_CONFIG: config });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serve = () => {
      const child = startSwapbench(['serve', '--port', String(port)], env);
      return { child, done: finished(child, 110_000) };
    };
    const up = () =>
      until(
        () =>
          fetch(`${base}/api/runs`).then(
            (r) => r.ok,
            () => false,
          ),
        'the server',
      );

    let server = serve();
    await up();
    const started = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ case_ids: 'all', tool_ids: ['test_slow_log'], options: { cache: false } }),
    });
    const { run_id: runId } = (await started.json()) as { run_id: string };

    // The client, as site/src/client/app.ts does it.
    const events: RunEvent[] = [];
    let connects = 0;
    const socket = io(base, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 });
    socket.on('connect', () => {
      connects++;
      socket.emit('watch', runId);
    });
    for (const type of ['update', 'run_started', 'run_finished'])
      socket.on(type, (e: RunEvent) => events.push(e));

    await until(() => logLines().filter((l) => l.startsWith('done ')).length >= 2, 'two generated items');
    server.child.kill('SIGKILL');
    assert.equal((await server.done).code, null, 'killed');
    const linesAtKill = logLines();
    const imageOnDisk = (caseId: string) =>
      JSON.stringify(events).includes(`"case_id":"${caseId}","tool_id":"test_slow_log","status":"generated"`);
    const lost = cases.filter((c) => linesAtKill.includes(`done ${c}`) && !imageOnDisk(c));

    server = serve();
    const finishedEvent = await until(
      () => events.find((e) => e.type === 'run_finished' && e.status === 'finished'),
      'run_finished after the restart',
      90_000,
    );
    assert.ok(connects >= 2, 'the client reconnected');
    assert.equal(finishedEvent.progress.done, cases.length);

    const detail = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as RunDetail;
    assert.equal(detail.status, 'finished');
    for (const item of detail.items) {
      assert.ok(['scored', 'failed'].includes(item.status), `${item.case_id}: ${item.status}`);
      if (item.status === 'failed') assert.match(item.error ?? '', /^Scoring failed/, item.case_id);
      // The live view ends where the server ends: the last event of each item is its final state.
      const last = events.filter((e) => e.type === 'update' && e.item_id === item.id).at(-1);
      assert.equal(last?.type === 'update' ? last.status : null, item.status, item.case_id);
    }
    const lines = logLines();
    for (const caseId of cases) {
      const calls = lines.filter((l) => l === `done ${caseId}`).length;
      assert.ok(calls >= 1 && calls <= 1 + (lost.includes(caseId) ? 1 : 0), `${caseId} generated ${calls}×`);
    }

    // SIGTERM stops the server while Socket.IO and SSE clients are still connected.
    const sse = await fetch(`${base}/api/runs/${runId}/events`);
    assert.equal(sse.status, 200);
    socket.io.opts.reconnection = false;
    server.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      server.done.then((r) => `exited ${r.code}`),
      new Promise<string>((r) => (timer = setTimeout(() => r('still running 15 s after SIGTERM'), 15_000))),
    ]);
    clearTimeout(timer);
    socket.close();
    await sse.body?.cancel().catch(() => undefined);
    if (stopped.startsWith('still')) server.child.kill('SIGKILL');
    assert.match(stopped, /^exited/);
  },
);
