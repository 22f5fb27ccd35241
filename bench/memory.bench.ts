import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { io } from 'socket.io-client';
import type { ItemUpdated } from '../libs/core/run-events';
import { writeFaceCases } from '../test/support/fixtures';
import { useTempData } from '../test/support/temp-data';

/**
 * The server's memory over a long run (issue 16; target from issue 12: under 1 GB at 2,000 items).
 * Starts `swapbench serve` as its own process with a plugin of fast tools (each waits, then returns the
 * case's template), starts one run of `MEMORY_ITEMS` items (default 2,000) with scoring on, and follows
 * it the way the web app's live view does: Socket.IO events, a re-rendered cell per finished item and the
 * summary, one at a time, at most once a second. The server's RSS is read from `/proc` every second. Prints RSS against
 * items done, the peak, the RSS at the end and a minute of rest later, and the growth per 1,000 items
 * after the first quarter (a leak shows as growth that goes on with the items).
 * `npm run bench -- memory`; heavy: run it alone, under `nice`.
 */

const ITEMS = Number(process.env.MEMORY_ITEMS ?? 2000);
const TOOLS = 100;
const WAIT_MS = 20;
const CONCURRENCY = 8;
const REST_MS = Number(process.env.MEMORY_REST_MS ?? 30_000);
const TERMINAL = new Set(['scored', 'failed', 'canceled']);

/** A plugin of `count` tools that wait `waitMs`, then return the template unchanged. */
function writePlugin(root: string): string {
  const file = join(root, 'memory-tools.js');
  writeFileSync(
    file,
    `const wait = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
});
module.exports = ({ options }) => Array.from({ length: options.count }, (_, k) => ({
  id: 'mem_' + String(k).padStart(3, '0'),
  name: 'Memory bench tool ' + k,
  description: 'Waits, then returns the template',
  kind: 'control', concurrency: ${CONCURRENCY}, timeoutMs: 120000, options: {},
  availability: async () => ({ available: true }),
  generate: async (input) => {
    await wait(options.waitMs, input.signal);
    return { ok: true, image: input.template, meta: { model: 'none' } };
  },
}));
`,
  );
  return file;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident and peak resident memory of a process, in MB, from `/proc/<pid>/status`. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function waitForServer(base: string): Promise<void> {
  for (let k = 0; k < 600; k++) {
    try {
      if ((await fetch(`${base}/api/tools`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not start within a minute');
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

async function main(): Promise<void> {
  const data = useTempData('bench-memory');
  const plugin = writePlugin(data.root);
  const config = join(data.root, 'swapbench.config.json');
  writeFileSync(
    config,
    JSON.stringify({ plugins: [{ module: plugin, options: { count: TOOLS, waitMs: WAIT_MS } }] }),
  );
  const caseIds = await writeFaceCases(data.datasets, Math.ceil(ITEMS / TOOLS), 'mem');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    [join(__dirname, '..', 'apps', 'cli', 'main.js'), 'serve', '--port', String(port)],
    {
      env: {
        ...process.env,
        SWAPBENCH_DATASETS: data.datasets,
        SWAPBENCH_RUNS: data.runs,
        SWAPBENCH_CONFIG: config,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const pid = server.pid!;
  const samples: Array<{ s: number; done: number; rss: number }> = [];
  let done = 0;
  const started = performance.now();
  const sampler = setInterval(() => {
    samples.push({ s: (performance.now() - started) / 1000, done, rss: memoryOf(pid).rss });
  }, 1000);
  try {
    await waitForServer(base);
    const idle = memoryOf(pid).rss;
    const toolIds = Array.from({ length: TOOLS }, (_, k) => `mem_${String(k).padStart(3, '0')}`);
    const response = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        case_ids: caseIds,
        tool_ids: toolIds,
        options: { cache: false, concurrency: CONCURRENCY },
      }),
    });
    if (response.status !== 202)
      throw new Error(`POST /api/run: ${response.status} ${await response.text()}`);
    const { run_id: runId } = (await response.json()) as { run_id: string };
    const runStart = performance.now();

    // The live view: a cell per finished item (coalesced per item), the summary at most once a second.
    const fetches = pLimit(4);
    const pending = new Map<number, ReturnType<typeof setTimeout>>();
    const inFlight = new Set<Promise<unknown>>();
    let cells = 0;
    const refreshCell = (itemId: number) => {
      clearTimeout(pending.get(itemId));
      pending.set(
        itemId,
        setTimeout(() => {
          pending.delete(itemId);
          const p = fetches(async () => {
            const res = await fetch(`${base}/app/runs/${runId}/items/${itemId}`);
            if (!res.ok) throw new Error(`cell ${itemId}: ${res.status}`);
            await res.text();
            cells++;
          });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }, 150),
      );
    };
    // As the view: one summary at a time, the next a second after the last one ended (a summary of a large
    // run reads all its items, so asking every second regardless would queue them without end).
    let summaries = 0;
    let following = true;
    const summaryLoop = (async () => {
      while (following) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await fetch(`${base}/app/runs/${runId}/summary`).then((r) => r.text());
        summaries++;
      }
    })();
    const socket = io(base, { transports: ['websocket'], forceNew: true });
    const finished = new Promise<void>((resolve) => socket.on('run_finished', () => resolve()));
    socket.on('update', (event: ItemUpdated) => {
      if (TERMINAL.has(event.status) || event.status === 'generated') refreshCell(event.item_id);
      if (event.progress) done = event.progress.done;
    });
    const ack = (await socket.emitWithAck('watch', runId)) as { ok: boolean };
    if (!ack.ok) throw new Error('could not watch the run');
    await finished;
    following = false;
    await summaryLoop;
    const runSeconds = (performance.now() - runStart) / 1000;
    while (pending.size > 0 || inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    socket.close();
    const end = memoryOf(pid);
    done = ITEMS;
    await new Promise((resolve) => setTimeout(resolve, REST_MS));
    const rest = memoryOf(pid);
    const detail = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as {
      items: Array<{ status: string }>;
    };
    const scored = detail.items.filter((i) => i.status === 'scored').length;

    console.log(
      `${detail.items.length} items (${scored} scored) of ${TOOLS} tools waiting ${WAIT_MS} ms, concurrency ${CONCURRENCY}, ` +
        `in ${runSeconds.toFixed(0)} s; ${cells} cells and ${summaries} summaries re-rendered as the live view asks for them`,
    );
    console.log(`RSS idle ${idle.toFixed(0)} MB before the run`);
    for (const q of [0.1, 0.25, 0.5, 0.75, 1]) {
      const at = samples.find((s) => s.done >= q * ITEMS);
      if (at) console.log(`RSS at ${at.done} items done: ${at.rss.toFixed(0)} MB (${at.s.toFixed(0)} s)`);
    }
    const later = samples
      .filter((s) => s.done >= ITEMS / 4 && s.done < ITEMS)
      .map((s) => [s.done, s.rss] as [number, number]);
    const growth = later.length > 2 ? slope(later) * 1000 : NaN;
    console.log(
      `peak RSS ${end.peak.toFixed(0)} MB; RSS at the end ${end.rss.toFixed(0)} MB, after ${REST_MS / 1000} s of rest ` +
        `${rest.rss.toFixed(0)} MB; growth after the first quarter ${growth.toFixed(0)} MB per 1,000 items`,
    );
    if (process.env.MEMORY_TRACE) writeFileSync(process.env.MEMORY_TRACE, JSON.stringify(samples));
  } finally {
    clearInterval(sampler);
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    data.dispose();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
