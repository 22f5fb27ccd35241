import 'reflect-metadata';
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io, type Socket } from 'socket.io-client';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { RunEventBus } from '../libs/core/event-bus';
import type { RunEvent } from '../libs/core/run-events';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunsService } from '../libs/runs/runs.service';
import { makeTempData, writeFaceCases } from '../test/support/fixtures';

/**
 * Load on the live channels and the API (issue 8): 50 Socket.IO clients follow one run of 500 items
 * (control_template on 500 tiny cases, cache off). Every client must get every event in the order the
 * runner published it; latency is publish → arrival (one process, one clock). Meanwhile 8 keep-alive
 * clients read GET /api/runs/{id} (500 items) as fast as they can: requests per second while the run is
 * active. Server memory (heap after GC, RSS) before and after.
 */

const CLIENTS = 50;
const ITEMS = 500;
const READERS = 8;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { heapMb: number; rssMb: number } {
  gc();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 };
}

const key = (e: RunEvent) => (e.type === 'update' ? `${e.item_id}:${e.status}` : e.type);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Reads `path` in a loop on `READERS` keep-alive connections until `active()` is false. */
async function hammer(base: string, path: string, active: () => boolean) {
  const agent = new Agent({ keepAlive: true, maxSockets: READERS });
  const url = new URL(base);
  const times: number[] = [];
  let errors = 0;
  const get = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) times.push(performance.now() - t);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => (errors++, resolve()));
      req.end();
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      // Bounded: at most 20 000 requests per reader, and never past the run.
      for (let i = 0; i < 20_000 && active(); i++) await get();
    }),
  );
  agent.destroy();
  return { requests: times.length, errors, seconds: (performance.now() - start) / 1000, times };
}

async function main(): Promise<void> {
  const data = makeTempData('load-bench');
  delete process.env.OPENAI_API_KEY;
  // Cases the scorer can score: a run refuses any it cannot, before a tool is called.
  const cases = await writeFaceCases(data.datasets, ITEMS, 'ld');
  const app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  const base = serverUrl(app);
  try {
    const runs = app.get(RunsService);
    const memBefore = memory();

    // Published order and time of every event of the run.
    const published: string[] = [];
    const publishedAt = new Map<string, number>();
    const { run } = await runs.create({
      case_ids: cases,
      tool_ids: ['control_template'],
      options: { cache: false, concurrency: 8 },
    });
    app.get(RunEventBus).subscribe((e) => {
      if (e.run_id !== run.id) return;
      published.push(key(e));
      publishedAt.set(key(e), performance.now());
    });

    // Clients watch before the run starts: a snapshot of 500 queued items, then every event live.
    const received: string[][] = [];
    const latencies: number[] = [];
    const sockets: Socket[] = [];
    let done = 0;
    const allDone = new Promise<void>((resolve) => {
      for (let c = 0; c < CLIENTS; c++) {
        const mine: string[] = [];
        received.push(mine);
        const socket = io(base, { transports: ['websocket'], forceNew: true });
        sockets.push(socket);
        let live = false;
        const onEvent = (e: RunEvent) => {
          if (!live) return; // the catch-up snapshot
          const k = key(e);
          mine.push(k);
          const at = publishedAt.get(k);
          if (at !== undefined) latencies.push(performance.now() - at);
          if (e.type === 'run_finished' && ++done === CLIENTS) resolve();
        };
        for (const type of ['update', 'run_started', 'run_finished']) socket.on(type, onEvent);
        socket.on('connect', () => {
          void socket.emitWithAck('watch', run.id).then(() => (live = true));
        });
      }
    });
    while (received.length < CLIENTS || sockets.some((s) => !s.connected))
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // every watch acknowledged

    let active = true;
    const started = performance.now();
    const execution = app
      .get(RunExecutor)
      .execute(run.id)
      .finally(() => (active = false));
    const reads = await hammer(base, `/api/runs/${run.id}`, () => active);
    await execution;
    await Promise.race([allDone, new Promise((r) => setTimeout(r, 30_000))]);
    const wall = (performance.now() - started) / 1000;
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, 500));
    const memAfter = memory();

    const expected = published.join('\n');
    const inOrder = received.filter((r) => r.join('\n') === expected).length;
    const sorted = latencies.sort((a, b) => a - b);
    const readTimes = reads.times.sort((a, b) => a - b);
    const f = (n: number, d = 1) => n.toFixed(d);
    console.log(`run: ${ITEMS} items of control_template, ${published.length} events, ${f(wall)} s`);
    console.log(
      `socket clients: ${CLIENTS}; every event in order: ${inOrder}/${CLIENTS}; samples ${sorted.length} of ${published.length * CLIENTS}`,
    );
    console.log(
      `event latency publish → client: median ${f(percentile(sorted, 50))} ms, p95 ${f(percentile(sorted, 95))} ms, max ${f(sorted.at(-1) ?? 0)} ms`,
    );
    console.log(
      `GET /api/runs/{id} (${ITEMS} items) while the run is active: ${f(reads.requests / reads.seconds, 0)} req/s over ${f(reads.seconds)} s on ${READERS} connections, median ${f(percentile(readTimes, 50))} ms, p95 ${f(percentile(readTimes, 95))} ms, ${reads.errors} errors`,
    );
    console.log(
      `server memory (after GC): heap ${f(memBefore.heapMb)} → ${f(memAfter.heapMb)} MB, RSS ${f(memBefore.rssMb)} → ${f(memAfter.rssMb)} MB`,
    );
    if (inOrder !== CLIENTS) process.exitCode = 1;
  } finally {
    await app.close();
    data.cleanup();
  }
}

void main();
