import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import { packageRoot } from '../../libs/core/package-root';
import type { RunDetail } from '../../libs/runs/run-views';
import { useTempData } from '../support/temp-data';

/**
 * The whole web-app flow in a real Chromium against the real server: gallery, tool picker, a run watched
 * live, ratings by keyboard and mouse kept across a reload, the report download, a reload in the middle
 * of a run, cancelling a run, and reopening earlier runs. Screenshots go to `test-results/`.
 */

const OFFLINE_TOOLS = ['control_template', 'control_paste', 'classic_swap'];
const TERMINAL = ['scored', 'failed', 'canceled'];
/** Generous: a slow machine scores an image in well under a second, a run here has at most 12 items. */
const RUN_TIMEOUT = 90_000;

interface CaseListing {
  id: string;
  valid: boolean;
  slots: Array<{ id: string }>;
}
interface ToolListing {
  id: string;
  available: boolean;
  reason: string | null;
}

/** What the page saw while a run was open: every cell status and progress value, polled every 15 ms. */
interface Seen {
  statuses: string[];
  progress: number[];
  max: number;
  /** The run header's "Items" figure, e.g. `5/12 done`. */
  headerItems: string[];
}

/** Starts recording statuses and progress in the page (survives panel re-renders; not a reload). */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Seen; __seenTimer?: number };
    clearInterval(w.__seenTimer);
    const seen: Seen = { statuses: [], progress: [], max: 0, headerItems: [] };
    w.__seen = seen;
    const bar = document.querySelector<HTMLProgressElement>('[data-testid=progress]');
    const look = () => {
      for (const td of Array.from(document.querySelectorAll<HTMLElement>('td[data-item-id][data-status]'))) {
        const s = td.dataset.status ?? '';
        if (!seen.statuses.includes(s)) seen.statuses.push(s);
      }
      if (bar && !seen.progress.includes(bar.value)) seen.progress.push(bar.value);
      if (bar) seen.max = bar.max;
      for (const dt of Array.from(document.querySelectorAll('[data-testid=run-header] dt'))) {
        const text = dt.nextElementSibling?.textContent ?? '';
        if (dt.textContent === 'Items' && !seen.headerItems.includes(text)) seen.headerItems.push(text);
      }
    };
    look();
    w.__seenTimer = window.setInterval(look, 15);
  });
}

async function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => (window as unknown as { __seen: Seen }).__seen);
}

describe('web app in Chromium', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let cases: CaseListing[];
  let firstRun = '';
  const runIds: string[] = [];
  const savedKey = process.env.OPENAI_API_KEY;

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, `GET ${path}`);
    return (await res.json()) as T;
  };
  const shot = (name: string, fullPage = true) =>
    page.screenshot({ path: join(shots, `app-${name}.png`), fullPage });

  /** Ticks exactly these tools and cases, sets the run options, clicks Run and returns the new run id. */
  async function startRun(
    toolIds: string[],
    caseIds: string[],
    options: { concurrency: number; cache: boolean },
  ): Promise<string> {
    for (const c of cases) await page.getByTestId(`case-${c.id}`).setChecked(caseIds.includes(c.id));
    for (const t of OFFLINE_TOOLS) await page.getByTestId(`tool-${t}`).setChecked(toolIds.includes(t));
    await page.getByTestId('run-concurrency').fill(String(options.concurrency));
    await page.getByTestId('run-cache').setChecked(options.cache);
    const before = page.url();
    await page.getByTestId('run-button').click();
    await page.waitForURL((url) => url.href !== before && url.searchParams.has('run'), { timeout: 15_000 });
    const runId = new URL(page.url()).searchParams.get('run') ?? '';
    await page.locator(`[data-testid=run-panel][data-run-id="${runId}"]`).waitFor({ timeout: 15_000 });
    runIds.push(runId);
    return runId;
  }

  async function waitForRunStatus(runId: string, status: string): Promise<void> {
    await page
      .locator(`[data-testid=run-panel][data-run-id="${runId}"][data-run-status="${status}"]`)
      .waitFor({ timeout: RUN_TIMEOUT });
  }

  before(async () => {
    data = useTempData('browser');
    // Hosted tools must show as unavailable, whatever the machine's environment holds.
    delete process.env.OPENAI_API_KEY;
    await new DemoCasesService(data.settings).generate();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    base = serverUrl(app);
    shots = join(packageRoot(), 'test-results');
    await mkdir(shots, { recursive: true });
    cases = (await getJson<CaseListing[]>('/api/test-cases')).filter((c) => c.valid);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    data?.dispose();
    if (savedKey !== undefined) process.env.OPENAI_API_KEY = savedKey;
  });

  it('shows every demo case with its slot boxes, and the tools with why hosted ones are unavailable', async () => {
    assert.ok(cases.length >= 4, 'the demo cases');
    await page.goto(`${base}/`);
    for (const c of cases) {
      const card = page.getByTestId(`case-card-${c.id}`);
      await card.waitFor();
      assert.equal(await page.getByTestId(`case-${c.id}`).isChecked(), true, `${c.id} starts ticked`);
      assert.equal(await card.locator('.slot-box').count(), c.slots.length, `slot boxes of ${c.id}`);
      const loaded = await card
        .locator('.template img')
        .evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
      assert.ok(loaded > 0, `template image of ${c.id} loads`);
    }
    const tools = await getJson<ToolListing[]>('/api/tools');
    for (const id of OFFLINE_TOOLS) assert.equal(await page.getByTestId(`tool-${id}`).isEnabled(), true, id);
    const hosted = tools.filter((t) => !t.available);
    assert.ok(
      hosted.some((t) => t.id === 'baseline_gpt'),
      'baseline_gpt is unavailable without a key',
    );
    for (const t of hosted) {
      assert.equal(await page.getByTestId(`tool-${t.id}`).isDisabled(), true, t.id);
      const reason = await page.getByTestId(`tool-reason-${t.id}`).textContent();
      assert.match(reason ?? '', /Unavailable: \S/, `reason of ${t.id}`);
    }
    assert.equal(await page.getByTestId('live-run').isHidden(), true, 'no run open yet');
    await shot('home');
  });

  it('ticks cases and tools, runs, and shows items moving live until every cell has a score', async () => {
    const summary = page.locator('[data-role=selection-summary]');
    // Unticking every case disables Run; ticking them back enables it.
    await page.getByTestId('select-no-cases').click();
    assert.match((await summary.textContent()) ?? '', /^0 cases/);
    assert.equal(await page.getByTestId('run-button').isDisabled(), true, 'Run needs a case');
    await page.getByTestId('select-all-cases').click();
    await page.getByTestId(`case-${cases[0].id}`).uncheck();
    assert.match((await summary.textContent()) ?? '', new RegExp(`^${cases.length - 1} cases`));
    await page.getByTestId(`case-${cases[0].id}`).check();
    for (const t of OFFLINE_TOOLS) await page.getByTestId(`tool-${t}`).check();
    const total = cases.length * OFFLINE_TOOLS.length;
    assert.equal(
      await summary.textContent(),
      `${cases.length} cases × ${OFFLINE_TOOLS.length} tools = ${total} items`,
    );

    await record(page);
    firstRun = await startRun(
      OFFLINE_TOOLS,
      cases.map((c) => c.id),
      { concurrency: 2, cache: false },
    );
    // Re-arm the recorder on the panel just opened (the bar belongs to the page, the cells to the panel).
    await record(page);
    assert.equal(await page.getByTestId('live-run').isVisible(), true);
    await page.locator('td[data-item-id] .cell-media img').first().waitFor({ timeout: RUN_TIMEOUT });
    await shot('running');
    // Sorted while it runs: the run's end settles the cells in place, so the sort (client state) stays.
    await page.getByTestId('sort-classic_swap').click();
    await waitForRunStatus(firstRun, 'finished');
    assert.equal(
      await page.locator('th:has([data-testid=sort-classic_swap])').getAttribute('aria-sort'),
      'descending',
      'the sort chosen during the run survives its end',
    );
    const saw = await seen(page);
    assert.ok(
      saw.statuses.some((s) => !TERMINAL.includes(s)),
      `an intermediate status was shown (saw ${saw.statuses.join(', ')})`,
    );
    assert.equal(saw.max, total);
    assert.ok(
      saw.progress.some((v) => v > 0 && v < total),
      `the bar advanced through intermediate values (saw ${saw.progress.join(', ')})`,
    );
    assert.match(
      (await page.getByTestId('progress-text').textContent()) ?? '',
      new RegExp(`${total}/${total} done`),
    );
    // The header's counts follow the run too, not only the bar.
    assert.ok(
      saw.headerItems.some((t) => t !== `0/${total} done` && t !== `${total}/${total} done`),
      `the run header counted items while running (saw ${saw.headerItems.join(', ')})`,
    );

    const detail = await getJson<RunDetail>(`/api/runs/${firstRun}`);
    assert.equal(detail.items.length, total);
    for (const item of detail.items) {
      assert.equal(item.status, 'scored', `${item.case_id} × ${item.tool_id}: ${item.error ?? ''}`);
      const cell = page.getByTestId(`cell-${item.case_id}-${item.tool_id}`);
      assert.equal(await cell.getAttribute('data-status'), 'scored');
      const badge = (await cell.locator('.cell-meta .badge').textContent()) ?? '';
      assert.match(badge.trim(), /^\d+(\.\d)?$/, `score badge of ${item.case_id} × ${item.tool_id}`);
      assert.equal(Number(badge.trim()), Number(item.score?.toFixed(1)));
      const width = await cell
        .locator('.cell-media img')
        .evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
      assert.ok(width > 0, `thumbnail of ${item.case_id} × ${item.tool_id}`);
    }
    await page.getByTestId('results-grid').scrollIntoViewIfNeeded();
    await shot('finished');
  });

  it('rates with the keyboard and the mouse, and keeps ratings and the open run across a reload', async () => {
    const detail = await getJson<RunDetail>(`/api/runs/${firstRun}`);
    const [byKey, byMouse] = detail.items;
    const keyCell = page.locator(`td[data-item-id="${byKey.id}"]`);
    await keyCell.focus();
    await page.keyboard.press('3');
    await page.locator(`[data-testid=rate-${byKey.id}-3][aria-checked=true]`).waitFor({ timeout: 10_000 });
    assert.equal(await keyCell.locator('button.star.on').count(), 3);
    await page.getByTestId(`rate-${byMouse.id}-5`).click();
    await page.locator(`[data-testid=rate-${byMouse.id}-5][aria-checked=true]`).waitFor({ timeout: 10_000 });
    await page.getByTestId('toast').filter({ hasText: 'Rated 5 stars' }).waitFor({ timeout: 10_000 });
    const saved = await getJson<RunDetail>(`/api/runs/${firstRun}`);
    assert.equal(saved.items.find((i) => i.id === byKey.id)?.stars, 3);
    assert.equal(saved.items.find((i) => i.id === byMouse.id)?.stars, 5);
    await shot('rated', false);

    await page.reload();
    await page.locator(`[data-testid=run-panel][data-run-id="${firstRun}"]`).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('live-run').isVisible(), true, 'the run reopens after a reload');
    assert.equal(
      await page.getByTestId(`rate-${byKey.id}-3`).getAttribute('aria-checked'),
      'true',
      'keyboard rating kept',
    );
    assert.equal(
      await page.getByTestId(`rate-${byMouse.id}-5`).getAttribute('aria-checked'),
      'true',
      'mouse rating kept',
    );
    assert.equal(await page.locator(`td[data-item-id="${byMouse.id}"] button.star.on`).count(), 5);
  });

  it('exports a self-contained report_<run_id>.html holding every item', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.getByTestId('export-button').click(),
    ]);
    assert.equal(download.suggestedFilename(), `report_${firstRun}.html`);
    const file = join(shots, download.suggestedFilename());
    await download.saveAs(file);
    const html = await readFile(file, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.doesNotMatch(html, /\b(?:src|href|srcset|poster|action)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /url\(\s*["']?\s*(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /@import/i);
    const detail = await getJson<RunDetail>(`/api/runs/${firstRun}`);
    for (const item of detail.items) {
      assert.match(html, new RegExp(`id="cell-${item.id}"[^>]*data-status="scored"`), `item ${item.id}`);
    }
  });

  it('recovers the live view after a reload in the middle of a run', async () => {
    // Every offline tool, uncached, one item at a time: slow enough to reload while items are still running.
    const runId = await startRun(
      OFFLINE_TOOLS,
      cases.map((c) => c.id),
      { concurrency: 1, cache: false },
    );
    // Wait until something has happened, but not everything.
    await page.locator('td[data-item-id][data-status=scored]').first().waitFor({ timeout: RUN_TIMEOUT });
    const mid = await getJson<RunDetail>(`/api/runs/${runId}`);
    await shot('mid-run-before-reload', false);
    await page.reload();
    await page.locator(`[data-testid=run-panel][data-run-id="${runId}"]`).waitFor({ timeout: 15_000 });
    await record(page);
    const afterReload = await getJson<RunDetail>(`/api/runs/${runId}`);
    await shot('mid-run-after-reload', false);
    await waitForRunStatus(runId, 'finished');
    const saw = await seen(page);
    const detail = await getJson<RunDetail>(`/api/runs/${runId}`);
    assert.ok(
      mid.items.some((i) => !TERMINAL.includes(i.status)),
      'the run was still going when the page reloaded',
    );
    if (afterReload.status === 'running') {
      assert.ok(
        saw.statuses.some((s) => !TERMINAL.includes(s)),
        `a not-yet-finished item was shown after the reload (saw ${saw.statuses.join(', ')})`,
      );
    }
    for (const item of detail.items) {
      assert.equal(item.status, 'scored', item.error ?? '');
      const cell = page.locator(`td[data-item-id="${item.id}"]`);
      assert.equal(await cell.getAttribute('data-status'), 'scored', `cell ${item.id} caught up`);
      assert.match((await cell.locator('.cell-meta .badge').textContent()) ?? '', /^\s*\d/);
    }
    const total = detail.items.length;
    await page
      .getByTestId('progress-text')
      .filter({ hasText: `${total}/${total} done` })
      .waitFor({ timeout: 10_000 });
  });

  it('cancels a running run and marks the remaining items canceled', async () => {
    const runId = await startRun(
      ['classic_swap', 'control_paste'],
      cases.map((c) => c.id),
      { concurrency: 1, cache: false },
    );
    await page.locator('td[data-item-id][data-status=scored]').first().waitFor({ timeout: RUN_TIMEOUT });
    assert.equal(await page.getByTestId('cancel-button').isEnabled(), true);
    await page.getByTestId('cancel-button').click();
    await waitForRunStatus(runId, 'canceled');
    await shot('canceled', false);
    const detail = await getJson<RunDetail>(`/api/runs/${runId}`);
    assert.equal(detail.status, 'canceled');
    const canceled = detail.items.filter((i) => i.status === 'canceled');
    assert.ok(canceled.length > 0, 'some items were canceled');
    assert.ok(
      detail.items.some((i) => i.status === 'scored'),
      'the finished ones kept their scores',
    );
    for (const item of detail.items) {
      assert.ok(TERMINAL.includes(item.status), `${item.id} ended (${item.status})`);
      const cell = page.locator(`td[data-item-id="${item.id}"]`);
      assert.equal(await cell.getAttribute('data-status'), item.status, `cell ${item.id}`);
    }
    assert.match((await page.getByTestId('progress-text').textContent()) ?? '', /canceled/);
    assert.equal(await page.getByTestId('cancel-button').isDisabled(), true, 'nothing left to cancel');
  });

  it('lists earlier runs newest first and reopens one', async () => {
    const links = page.locator('[data-testid^=run-link-]');
    const listed = await links.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.runId ?? ''));
    assert.deepEqual(listed, [...runIds].reverse());
    await page.getByTestId(`run-link-${firstRun}`).click();
    await page
      .locator(`[data-testid=run-panel][data-run-id="${firstRun}"][data-run-status=finished]`)
      .waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get('run'), firstRun);
    assert.equal(await page.getByTestId(`run-link-${firstRun}`).getAttribute('aria-current'), 'true');
    const detail = await getJson<RunDetail>(`/api/runs/${firstRun}`);
    assert.equal(await page.locator('td[data-item-id][data-status=scored]').count(), detail.items.length);
    await shot('reopened');
  });
});
