import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { packageRoot } from '../../libs/core/package-root';
import { fabricateRun } from '../fixtures/report-run.fixture';
import type { RunDetail } from '../../libs/runs/run-views';
import { launchChromium } from '../support/chromium';
import { mentions } from '../support/text';

/**
 * People's judgement in Chromium on a fabricated finished run (4 cases × 3 tools, photo-like outputs),
 * served by the real server: the rater's name asked once and remembered, the blind grid (no tool name or
 * machine score in the page's HTML, ratings stored blind, reveal), the arena's keys, and the report's
 * arena leaderboard and agreement opened from file:// with no network. Screenshots go to test-results/.
 */
describe("people's judgement in Chromium", () => {
  let app: INestApplication;
  let base: string;
  let root: string;
  let runId: string;
  let toolIds: string[];
  let toolNames: string[];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

  before(async () => {
    const fixture = await fabricateRun({ cases: 4, tools: 3, size: 320, photoOutputs: true });
    ({ runId, toolIds, root } = fixture);
    await fixture.close();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: fixture.settings });
    base = serverUrl(app);
    const tools = await api<Array<{ id: string; name: string }>>('/api/tools');
    toolNames = tools.filter((t) => toolIds.includes(t.id)).map((t) => t.name);
    shots = join(packageRoot(), 'test-results');
    await mkdir(shots, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('blind grid: asks the name once, renders no tool name or score, stores blind ratings, reveals', async () => {
    await page.goto(`${base}/?run=${runId}&blind=1`);
    await page.getByTestId('rater-name').fill('tess');
    await page.getByTestId('rater-save').click();
    await page.getByTestId('rater-current').filter({ hasText: 'Rating as tess' }).waitFor();
    const grid = page.locator('[data-testid=results-grid][data-blind=true]');
    await grid.waitFor();
    assert.equal(await page.getByTestId('blind-toggle').isChecked(), true);
    const html = await page.getByTestId('run-panel-host').innerHTML();
    for (const id of toolIds) assert.ok(!mentions(html, id), `tool id ${id} in the blind panel`);
    for (const name of toolNames) assert.ok(!mentions(html, name), `tool name ${name} in the blind panel`);
    assert.doesNotMatch(html, /data-role="score"|badge-(low|mid|high|none)/);
    await page.screenshot({ path: join(shots, 'judgement-blind-grid.png'), fullPage: true });

    // Keys 1–5 still rate; the rating carries the rater and blind.
    const cell = grid.locator('td[data-item-id]').first();
    const itemId = Number(await cell.getAttribute('data-item-id'));
    const order = await grid
      .locator('td[data-item-id]')
      .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-item-id')));
    await cell.focus();
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/rate'));
    await page.keyboard.press('4');
    const body = (await (await saved).json()) as { stars: number; rater: string; blind: boolean };
    assert.deepEqual([body.stars, body.rater, body.blind], [4, 'tess', true]);
    const detail = await api<RunDetail>(`/api/runs/${runId}?rater=tess`);
    assert.equal(detail.items.find((i) => i.id === itemId)?.my_stars, 4);

    // A reload keeps the name, blind mode and the shuffled order.
    await page.reload();
    await grid.waitFor();
    await page.getByTestId('rater-current').filter({ hasText: 'Rating as tess' }).waitFor();
    assert.deepEqual(
      await grid
        .locator('td[data-item-id]')
        .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-item-id'))),
      order,
    );
    assert.equal(await page.getByTestId(`rate-${itemId}-4`).getAttribute('aria-checked'), 'true');
    // 0 withdraws the rating.
    await grid.locator(`td[data-item-id="${itemId}"]`).focus();
    const removed = page.waitForResponse((r) => r.url().endsWith('/api/rate'));
    await page.keyboard.press('0');
    assert.equal(((await (await removed).json()) as { stars: number | null }).stars, null);
    const after = await api<RunDetail>(`/api/runs/${runId}?rater=tess`);
    assert.equal(after.items.find((i) => i.id === itemId)?.my_stars, null);

    await page.getByTestId('reveal-button').click();
    await page.locator('[data-testid=results-grid][data-blind=false]').waitFor();
    const revealed = await page.getByTestId('run-panel-host').innerHTML();
    for (const name of toolNames) assert.ok(mentions(revealed, name), `${name} after reveal`);
    await page.getByTestId('arena-leaderboard').waitFor();
    await page.locator('[data-part=summary]').screenshot({ path: join(shots, 'judgement-app-summary.png') });
  });

  it('arena: ← → ↓ ↑ and the buttons vote on two unnamed outputs of one case', async () => {
    await page.goto(`${base}/arena?run=${runId}`);
    await page.getByTestId('rater-current').filter({ hasText: 'Rating as tess' }).waitFor();
    const arena = page.locator('[data-testid=arena][data-state=ready]');
    await arena.waitFor();
    await page.locator('[data-testid=arena-left]').evaluate((img: HTMLImageElement) => img.decode());
    const text = await page.locator('body').innerHTML();
    for (const id of toolIds) assert.ok(!mentions(text, id), `tool id ${id} on the arena page`);
    await page.screenshot({ path: join(shots, 'judgement-arena.png'), fullPage: true });
    const votes: Array<{ winner: string; left: number; shownLeft: number }> = [];
    for (const [key, winner] of [
      ['ArrowLeft', 'left'],
      ['ArrowRight', 'right'],
      ['ArrowDown', 'tie'],
      ['ArrowUp', 'both_bad'],
      ['click', 'tie'],
    ]) {
      await arena.waitFor();
      const shownLeft = Number(await page.getByTestId('arena-left').getAttribute('data-item-id'));
      const posted = page.waitForResponse((r) => r.url().endsWith('/api/votes'));
      if (key === 'click') await page.getByTestId('vote-tie').click();
      else await page.keyboard.press(key);
      const body = (await (await posted).json()) as { winner: string };
      const sent = JSON.parse((await posted).request().postData() ?? '{}') as { left_item_id: number };
      votes.push({ winner: body.winner, left: sent.left_item_id, shownLeft });
      assert.equal(body.winner, winner);
    }
    for (const v of votes) assert.equal(v.left, v.shownLeft, 'the left image is the left item');
    const board = await api<{ votes: number }>(`/api/arena?run_id=${runId}`);
    assert.equal(board.votes, 5);
  });

  it('the report opened from file:// shows both leaderboards and the agreement, with no network', async () => {
    // Three raters on six items, so the agreement has figures to show.
    const { items } = await api<RunDetail>(`/api/runs/${runId}`);
    for (const [k, item] of items.slice(0, 6).entries())
      for (const [r, rater] of ['uma', 'vic', 'wes'].entries()) {
        const res = await fetch(`${base}/api/rate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: base },
          body: JSON.stringify({ run_item_id: item.id, stars: 1 + ((k + (r === 2 ? 1 : 0)) % 5), rater }),
        });
        assert.equal(res.status, 200, await res.text());
      }
    const html = await (await fetch(`${base}/api/runs/${runId}/report`)).text();
    const file = join(root, `report_${runId}.html`);
    await writeFile(file, html);
    const offline = await browser.newContext({ offline: true, viewport: { width: 1400, height: 1000 } });
    const report = await offline.newPage();
    const requests: string[] = [];
    report.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await report.goto(pathToFileURL(file).href);
    await report.getByTestId('leaderboard').waitFor();
    const board = report.getByTestId('arena-leaderboard');
    assert.match((await board.textContent()) ?? '', /5 votes/);
    for (const name of toolNames) assert.match((await board.textContent()) ?? '', new RegExp(name));
    const agreement = report.getByTestId('agreement-details');
    const figures = (await agreement.textContent()) ?? '';
    assert.match(figures, /Krippendorff/);
    assert.match(figures, /α = 0\.\d\d over 6 items rated by 2\+ of 3 raters/);
    assert.match(figures, /ρ = -?\d\.\d\d \(95% /);
    await report.getByTestId('agreement').screenshot({ path: join(shots, 'judgement-agreement.png') });
    await report
      .locator('.summary-row')
      .screenshot({ path: join(shots, 'judgement-report-leaderboards.png') });
    assert.deepEqual(requests, []);
    await offline.close();
  });
});
