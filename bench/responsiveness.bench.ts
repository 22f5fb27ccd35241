/**
 * Server responsiveness while a run scores: the real server on loopback (temp datasets and runs
 * folders, demo cases), probed with `GET /api/tools` every 50 ms from a client thread, first idle, then
 * while a run of every demo case × classic_swap, control_paste (no cache) generates and scores, then
 * while a run of the two controls does (nearly all of its event-loop work is the scoring). Prints
 * the probe's latency (median, p95, max, and the ratio to idle) and the server's event-loop delay.
 * Every figure is measured in this run.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/responsiveness.bench.js
 */
import type { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { DemoCasesService } from '../libs/cases/demo-cases.service';
import { settingsFor } from '../test/support/temp-data';
import type { RunView } from '../libs/runs/run-views';
import type { ProbeReport, ProbeSettings } from './responsiveness.probe';

const PROBE_INTERVAL_MS = 50;
const IDLE_MS = 3000;
/**
 * The run the brief asks about, then the two controls: classic_swap warps and blends on the face
 * workers (a pixel task), while the controls only copy or paste with sharp, so the second run shows
 * what the scoring alone costs the server.
 */
const RUNS = [
  ['classic_swap', 'control_paste'],
  ['control_paste', 'control_template'],
];
const RUN_TIMEOUT_MS = 10 * 60_000;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'swapbench-responsiveness-'));
  const settings = settingsFor({ datasets: join(dir, 'datasets'), runs: join(dir, 'runs') });
  let app: INestApplication | null = null;
  try {
    const { written } = await new DemoCasesService(settings).generate();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings });
    const base = serverUrl(app);
    await fetch(`${base}/api/tools`).then((r) => r.arrayBuffer());

    const idleLoop = loopDelay();
    const idle = await probeWhile(`${base}/api/tools`, () => sleep(IDLE_MS));
    idleLoop.disable();
    const idleStats = summary(idle.latenciesMs);

    console.log(
      `\nServer responsiveness while a run generates and scores (${availableParallelism()} cores, ${written.length} demo cases, no cache)\n`,
    );
    console.log(
      ['GET /api/tools every 50 ms', 'n', 'median', 'p95', 'max', 'failed']
        .map((h, i) => (i ? h.padStart(10) : h.padEnd(40)))
        .join(''),
    );
    console.log(row('idle server', idle, idleStats));
    const loops: Array<[string, IntervalHistogram]> = [['idle', idleLoop]];
    for (const tools of RUNS) {
      const loop = loopDelay();
      let outcome = '';
      const busy = await probeWhile(`${base}/api/tools`, async () => {
        const started = performance.now();
        const run = await waitForRun(base, await startRun(base, tools));
        outcome = `${((performance.now() - started) / 1000).toFixed(1)} s, ${run.progress.scored} scored, ${run.progress.failed} failed`;
      });
      loop.disable();
      const label = `run ${tools.join('+')}`;
      const stats = summary(busy.latenciesMs);
      console.log(row(label, busy, stats));
      console.log(
        row('  ratio to idle', null, {
          median: stats.median / idleStats.median,
          p95: stats.p95 / idleStats.p95,
          max: stats.max / idleStats.max,
        }) + `   (${outcome})`,
      );
      loops.push([label, loop]);
    }
    console.log('\nServer event-loop delay (monitorEventLoopDelay, 10 ms resolution)');
    for (const [label, loop] of loops) console.log(`${label.padEnd(40)}${loopFigures(loop)}`);
  } finally {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Probes `url` from a client thread for as long as `during` takes. */
async function probeWhile(url: string, during: () => Promise<void>): Promise<ProbeReport> {
  const worker = new Worker(join(__dirname, 'responsiveness.probe.js'), {
    workerData: { url, intervalMs: PROBE_INTERVAL_MS } satisfies ProbeSettings,
  });
  const report = new Promise<ProbeReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    await during();
  } finally {
    worker.postMessage('stop');
  }
  const result = await report;
  await worker.terminate();
  return result;
}

async function startRun(base: string, tools: string[]): Promise<string> {
  const response = await fetch(`${base}/api/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ case_ids: 'all', tool_ids: tools, options: { cache: false } }),
  });
  const body = (await response.json()) as { run_id?: string; error?: string };
  if (response.status !== 202 || !body.run_id)
    throw new Error(`POST /api/run answered ${response.status}: ${body.error}`);
  return body.run_id;
}

async function waitForRun(base: string, runId: string): Promise<RunView> {
  const deadline = performance.now() + RUN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    await sleep(250);
    const run = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as RunView;
    if (run.status !== 'running') return run;
  }
  throw new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
}

function loopDelay(): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return histogram;
}

function loopFigures(h: IntervalHistogram): string {
  const ms = (ns: number) => `${(ns / 1e6).toFixed(0)} ms`;
  return `mean ${ms(h.mean)}, p99 ${ms(h.percentile(99))}, max ${ms(h.max)}`;
}

interface Stats {
  median: number;
  p95: number;
  max: number;
}

function summary(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? NaN };
}

function row(label: string, report: ProbeReport | null, stats: Stats): string {
  const unit = report ? ' ms' : '×';
  const cells = [stats.median, stats.p95, stats.max].map((v) =>
    `${v.toFixed(report ? 1 : 2)}${unit}`.padStart(10),
  );
  return [
    label.padEnd(40),
    String(report?.latenciesMs.length ?? '').padStart(10),
    ...cells,
    String(report?.failures ?? '').padStart(10),
  ].join('');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
