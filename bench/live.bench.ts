import 'reflect-metadata';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../test/support/chromium';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { DemoCasesService } from '../libs/cases/demo-cases.service';
import { RunEventBus } from '../libs/core/event-bus';
import type { RunEvent } from '../libs/core/run-events';
import { fabricateRun } from '../test/fixtures/report-run.fixture';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunsService } from '../libs/runs/runs.service';
import { useTempData } from '../test/support/temp-data';

/**
 * The live side of the web app, in three parts:
 *  1. event latency: from the runner publishing an item's status change on the RunEventBus to the event
 *     arriving at each of 10 plain-WebSocket clients (same process, so one clock);
 *  2. first paint of the page with 50 cases against the 4 demo cases (Chromium, Server-Timing);
 *  3. a finished 500-item grid in Chromium — time to render it, rating keypress → stars updated, filter
 *     input → next frame — against the same on a 12-item run.
 */

const DEMO_IDS = ['demo_duo', 'demo_solo_astronaut', 'demo_solo_hopper', 'demo_solo_profile'];

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const median = (values: number[]) => quantile(values, 0.5);
const f1 = (ms: number) => `${ms.toFixed(1)} ms`;
const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}×`;

/** Copies the demo case folders under new ids until there are `count` cases (demo ones included). */
async function copyCases(datasets: string, count: number): Promise<string[]> {
  const ids = [...DEMO_IDS];
  for (let n = 0; ids.length < count; n++) {
    const from = DEMO_IDS[n % DEMO_IDS.length];
    const id = `copy_${String(n + 1).padStart(3, '0')}_${from.replace('demo_', '')}`;
    await cp(join(datasets, from), join(datasets, id), { recursive: true });
    const manifestFile = join(datasets, id, 'case.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { id: string; title: string };
    manifest.id = id;
    manifest.title = `${manifest.title} (copy ${n + 1})`;
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    ids.push(id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------------
// 1. Event latency, runner → 10 plain WebSocket clients

async function eventLatency(): Promise<void> {
  const data = useTempData('bench-live');
  await new DemoCasesService(data.settings).generate();
  const caseIds = await copyCases(data.datasets, 20);
  const app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  try {
    const base = serverUrl(app);
    const bus = app.get(RunEventBus);
    const published = new Map<string, number>();
    const key = (e: RunEvent) => (e.type === 'update' ? `${e.item_id}:${e.status}` : `${e.type}`);
    // Stamp each event before any listener (the sockets' included) sees it.
    const publish = bus.publish.bind(bus);
    bus.publish = (event: RunEvent) => {
      if (!published.has(key(event))) published.set(key(event), performance.now());
      publish(event);
    };

    const { run } = await app.get(RunsService).create({
      case_ids: caseIds,
      tool_ids: ['control_template', 'control_paste'],
      options: { cache: false, concurrency: 4 },
    });
    const itemCount = caseIds.length * 2;
    const clients = 10;
    const arrivals: Array<Map<string, number>> = [];
    const sockets: WebSocket[] = [];
    let finished = 0;
    const allFinished = new Promise<void>((resolve) => {
      for (let c = 0; c < clients; c++) {
        const seen = new Map<string, number>();
        arrivals.push(seen);
        const ws = new WebSocket(`${base.replace('http', 'ws')}/api/run/${run.id}`);
        sockets.push(ws);
        let replayed = 0;
        ws.on('message', (raw: Buffer) => {
          const now = performance.now();
          const event = JSON.parse(raw.toString()) as RunEvent;
          // The first frame per item replays its state on connect; only what follows is timed.
          if (replayed < itemCount && event.type === 'update') {
            replayed++;
            return;
          }
          if (!seen.has(key(event))) seen.set(key(event), now);
          if (event.type === 'run_finished' && ++finished === clients) resolve();
        });
      }
    });
    // Every client has its replay before the run starts, so each later frame is a live one.
    await Promise.all(sockets.map((ws) => new Promise((r) => ws.once('open', r))));
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await app.get(RunExecutor).execute(run.id);
    await allFinished;
    const wall = performance.now() - started;
    for (const ws of sockets) ws.close();

    const latencies: number[] = [];
    const byStatus = new Map<string, number[]>();
    let missing = 0;
    for (const seen of arrivals) {
      for (const [k, t0] of published) {
        const t1 = seen.get(k);
        if (t1 === undefined) {
          missing++;
          continue;
        }
        latencies.push(t1 - t0);
        const status = k.split(':')[1] ?? k;
        byStatus.set(status, [...(byStatus.get(status) ?? []), t1 - t0]);
      }
    }
    console.log(
      `event latency, RunEventBus.publish → arrival at ${clients} ws clients: ${itemCount} items (control_template + control_paste on ${caseIds.length} cases, cache off, concurrency 4), ` +
        `${published.size} distinct events × ${clients} clients = ${latencies.length} samples${missing ? `, ${missing} missing` : ''}; run took ${(wall / 1000).toFixed(1)} s`,
    );
    console.log(
      `  all events: median ${f1(median(latencies))}, p95 ${f1(quantile(latencies, 0.95))}, max ${f1(Math.max(...latencies))}`,
    );
    for (const [status, values] of byStatus)
      console.log(
        `  ${status.padEnd(12)} n=${String(values.length).padStart(4)}  median ${f1(median(values))}, p95 ${f1(quantile(values, 0.95))}`,
      );
  } finally {
    await app.close();
    data.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. First paint of the page, 4 vs 50 cases

interface PaintSample {
  ttfb: number;
  html: number;
  dcl: number;
  fcp: number;
  server: number;
}

async function firstPaint(browser: Browser, cases: number, loads: number): Promise<PaintSample[]> {
  const data = useTempData('bench-paint');
  await new DemoCasesService(data.settings).generate();
  await copyCases(data.datasets, cases);
  const app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  const samples: PaintSample[] = [];
  try {
    const base = serverUrl(app);
    for (let n = 0; n < loads + 1; n++) {
      // A fresh context per load: nothing cached, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const response = await page.goto(`${base}/`, { waitUntil: 'load' });
      const timing = /render;dur=([\d.]+)/.exec(response?.headers()['server-timing'] ?? '');
      const count = await page.locator('[data-testid^=case-card-]').count();
      if (count !== cases) throw new Error(`the page shows ${count} cases, expected ${cases}`);
      const times = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const fcp = performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint');
        return {
          ttfb: nav.responseStart,
          html: nav.responseEnd,
          dcl: nav.domContentLoadedEventEnd,
          fcp: fcp?.startTime ?? NaN,
        };
      });
      await context.close();
      // The first load warms the server (module loading, first render); it is not counted.
      if (n > 0) samples.push({ ...times, server: timing ? Number(timing[1]) : NaN });
    }
  } finally {
    await app.close();
    data.dispose();
  }
  return samples;
}

async function pageBench(browser: Browser): Promise<void> {
  const loads = 7;
  const small = await firstPaint(browser, DEMO_IDS.length, loads);
  const large = await firstPaint(browser, 50, loads);
  console.log(`first paint of / (median of ${loads} cold loads, fresh browser context each):`);
  for (const [label, pick] of [
    ['first byte of the HTML', (s: PaintSample) => s.ttfb],
    ['whole HTML received', (s: PaintSample) => s.html],
    ['DOMContentLoaded', (s: PaintSample) => s.dcl],
    ['first contentful paint', (s: PaintSample) => s.fcp],
    ['server render (Server-Timing)', (s: PaintSample) => s.server],
  ] as const) {
    const a = median(small.map(pick));
    const b = median(large.map(pick));
    console.log(
      `  ${label.padEnd(30)} ${DEMO_IDS.length} cases ${f1(a).padStart(9)}   50 cases ${f1(b).padStart(9)}   ratio ${ratio(b, a)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// 3. A 500-item grid against a 12-item one

interface GridFigures {
  items: number;
  fragmentServerMs: number;
  fragmentBytes: number;
  renderMs: number;
  rateMs: number[];
  summaryMs: number[];
  filterMs: number[];
}

/** Installed before the page's own script: records when the run panel lands in the DOM and is painted. */
function panelProbe(): void {
  const w = window as unknown as { __panel?: { inserted: number; painted: number } };
  const observer = new MutationObserver(() => {
    if (w.__panel || !document.querySelector('[data-testid=run-panel] td[data-item-id]')) return;
    const panel = { inserted: performance.now(), painted: 0 };
    w.__panel = panel;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => (panel.painted = performance.now()), 0));
  });
  observer.observe(document, { childList: true, subtree: true });
}

async function measureGrid(page: Page, base: string, runId: string, items: number): Promise<GridFigures> {
  await page.goto(`${base}/?run=${runId}`);
  await page.waitForFunction(
    () => ((window as unknown as { __panel?: { painted: number } }).__panel?.painted ?? 0) > 0,
    undefined,
    { timeout: 120_000 },
  );
  const cells = await page.locator('td[data-item-id]').count();
  if (cells !== items) throw new Error(`the grid shows ${cells} cells, expected ${items}`);
  const load = await page.evaluate(() => {
    const panel = (window as unknown as { __panel: { painted: number } }).__panel;
    const fragment = performance.getEntriesByType('resource').find((e) => e.name.includes('/grid')) as
      PerformanceResourceTiming | undefined;
    return {
      painted: panel.painted,
      server: fragment?.serverTiming.find((t) => t.name === 'render')?.duration ?? NaN,
      bytes: fragment?.transferSize ?? NaN,
    };
  });
  // Let the thumbnails settle before timing interactions.
  await page.waitForLoadState('networkidle');

  const ids = await page
    .locator('td[data-item-id]')
    .evaluateAll((tds) => tds.map((td) => (td as HTMLElement).dataset.itemId ?? ''));
  const rateMs: number[] = [];
  const summaryMs: number[] = [];
  for (let n = 0; n < 8; n++) {
    const id = ids[Math.floor((n * ids.length) / 8)];
    const stars = 1 + (n % 5);
    await page.locator(`td[data-item-id="${id}"]`).focus();
    // Install the probes first (awaited), then press: the probe sees the very keydown it times.
    await page.evaluate(
      ([itemId, k]) => {
        const w = window as unknown as { __timing?: Promise<{ stars: number; summary: number }> };
        w.__timing = new Promise((resolve, reject) => {
          const cell = document.querySelector<HTMLElement>(`td[data-item-id="${itemId}"]`);
          const panel = document.querySelector('[data-testid=run-panel]');
          if (!cell || !panel) return reject(new Error('no cell'));
          let t0 = 0;
          let starsAt = 0;
          let summaryAt = 0;
          const done = () => {
            if (starsAt && summaryAt) resolve({ stars: starsAt - t0, summary: summaryAt - t0 });
          };
          document.addEventListener('keydown', () => (t0 = performance.now()), { capture: true, once: true });
          new MutationObserver((_, obs) => {
            if (cell.querySelector(`[data-stars="${k}"][aria-checked=true]`)) {
              obs.disconnect();
              requestAnimationFrame(() => setTimeout(() => ((starsAt = performance.now()), done()), 0));
            }
          }).observe(cell, { attributes: true, subtree: true, attributeFilter: ['aria-checked'] });
          new MutationObserver((records, obs) => {
            const added = records.flatMap((r) => Array.from(r.addedNodes));
            if (added.some((a) => a instanceof Element && a.matches('[data-part=summary]'))) {
              obs.disconnect();
              requestAnimationFrame(() => setTimeout(() => ((summaryAt = performance.now()), done()), 0));
            }
          }).observe(panel, { childList: true });
        });
      },
      [id, stars] as const,
    );
    await page.keyboard.press(String(stars));
    const t = await page.evaluate(
      () => (window as unknown as { __timing: Promise<{ stars: number; summary: number }> }).__timing,
    );
    rateMs.push(t.stars);
    summaryMs.push(t.summary);
  }

  const filterMs: number[] = [];
  const filter = page.getByTestId('grid-filter');
  const terms = ['case_07', '', 'generated case 1', '', 'zzz', '', 'case_1', ''];
  for (const term of terms) {
    await page.evaluate(() => {
      const w = window as unknown as { __filter?: Promise<number> };
      w.__filter = new Promise<number>((resolve) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid=grid-filter]');
        let t0 = 0;
        input?.addEventListener('input', () => (t0 = performance.now()), { capture: true, once: true });
        input?.addEventListener(
          'input',
          () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0)),
          { once: true },
        );
      });
    });
    await filter.fill(term);
    filterMs.push(await page.evaluate(() => (window as unknown as { __filter: Promise<number> }).__filter));
  }
  return {
    items,
    fragmentServerMs: load.server,
    fragmentBytes: load.bytes,
    renderMs: load.painted,
    rateMs,
    summaryMs,
    filterMs,
  };
}

async function gridRun(browser: Browser, cases: number, tools: number): Promise<GridFigures> {
  const made = performance.now();
  const fabricated = await fabricateRun({ cases, tools, size: 384 });
  const runId = fabricated.runId;
  await fabricated.close();
  console.log(
    `  built a finished ${cases * tools}-item run directly through RunsService and the TypeORM repositories (fabricateRun: drawn outputs, no tools, no evaluator) in ${((performance.now() - made) / 1000).toFixed(1)} s`,
  );
  // The server works on fabricateRun's temp folders.
  const app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: fabricated.settings });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.addInitScript(panelProbe);
    // One warm-up load (server module loading, first render), then the measured one on a fresh page.
    const warm = await context.newPage();
    await warm.goto(`${serverUrl(app)}/?run=${runId}`);
    await warm
      .locator('td[data-item-id]')
      .nth(cases * tools - 1)
      .waitFor({ timeout: 120_000 });
    await warm.close();
    const page = await context.newPage();
    const figures = await measureGrid(page, serverUrl(app), runId, cases * tools);
    await context.close();
    return figures;
  } finally {
    await app.close();
    await rm(fabricated.root, { recursive: true, force: true });
  }
}

async function gridBench(browser: Browser): Promise<void> {
  console.log('results grid in Chromium (finished runs, 4 tools):');
  const small = await gridRun(browser, 3, 4);
  const large = await gridRun(browser, 125, 4);
  const rows: Array<[string, number, number]> = [
    ['grid fragment server render', small.fragmentServerMs, large.fragmentServerMs],
    ['navigation → grid painted', small.renderMs, large.renderMs],
    ['rating key → stars updated (median)', median(small.rateMs), median(large.rateMs)],
    ['rating key → summary refreshed (median)', median(small.summaryMs), median(large.summaryMs)],
    ['filter input → next frame (median)', median(small.filterMs), median(large.filterMs)],
    ['filter input → next frame (max)', Math.max(...small.filterMs), Math.max(...large.filterMs)],
  ];
  for (const [label, a, b] of rows)
    console.log(
      `  ${label.padEnd(40)} ${small.items} items ${f1(a).padStart(9)}   ${large.items} items ${f1(b).padStart(9)}   ratio ${ratio(b, a)}`,
    );
  console.log(
    `  grid fragment size: ${(small.fragmentBytes / 1024).toFixed(0)} KiB vs ${(large.fragmentBytes / 1024).toFixed(0)} KiB`,
  );
}

async function main(): Promise<void> {
  delete process.env.OPENAI_API_KEY;
  const only = process.env.LIVE_BENCH_ONLY;
  if (!only || only === 'events') await eventLatency();
  const browser = await launchChromium();
  try {
    if (!only || only === 'page') await pageBench(browser);
    if (!only || only === 'grid') await gridBench(browser);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
