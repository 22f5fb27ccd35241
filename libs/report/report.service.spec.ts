import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../../test/support/chromium';
import { packageRoot } from '../core/package-root';
import { VARIANT_CACHE_FOLDER } from '../report-images/variant-cache';
import { RunsService } from '../runs/runs.service';
import type { RunDetail } from '../runs/run-views';
import { ReportService } from './report.service';
import { fabricateRun, type FabricatedRun } from '../../test/fixtures/report-run.fixture';

describe('ReportService', () => {
  let fixture: FabricatedRun;
  let detail: RunDetail;
  let html: string;
  let file: string;

  before(async () => {
    fixture = await fabricateRun({ cases: 6, tools: 3, size: 512, failEvery: 5, rateEvery: 2 });
    detail = await fixture.module.get(RunsService).detail(fixture.runId);
    html = await fixture.module.get(ReportService).render(fixture.runId);
    const out = join(packageRoot(), 'test-results');
    await mkdir(out, { recursive: true });
    file = join(out, `report_${fixture.runId}.html`);
    await writeFile(file, html);
  });
  after(() => fixture?.close());

  it('has failed, cached and rated items to show', () => {
    assert.ok(detail.items.some((i) => i.status === 'failed'));
    assert.ok(detail.items.some((i) => i.cached));
    assert.ok(detail.items.filter((i) => i.stars !== null).length >= 5);
  });

  it('shows every item in the grid and the item table, with its score, stars and error', () => {
    for (const item of detail.items) {
      assert.match(
        html,
        new RegExp(`<td[^>]*id="cell-${item.id}"[^>]*data-status="${item.status}"`),
        `grid cell of item ${item.id}`,
      );
      const row = new RegExp(
        `data-item-id="${item.id}" data-testid="item-row-${item.id}">([\\s\\S]*?)</tr>`,
      ).exec(html);
      assert.ok(row, `item row ${item.id}`);
      if (item.score !== null) assert.ok(row[1].includes(item.score.toFixed(1)), `score of item ${item.id}`);
      if (item.stars !== null) assert.ok(row[1].includes(`${item.stars} ★`), `stars of item ${item.id}`);
      if (item.error) assert.ok(row[1].includes(item.error), `error of item ${item.id}`);
      if (item.cached) assert.ok(row[1].includes('cached'), `cached mark of item ${item.id}`);
    }
  });

  it('has a leaderboard row per tool with its mean score, and the agreement', () => {
    for (const toolId of detail.tool_ids) {
      const row = new RegExp(`<tr data-tool-id="${toolId}">([\\s\\S]*?)</tr>`).exec(html);
      assert.ok(row, `leaderboard row of ${toolId}`);
      const scores = detail.items
        .filter((i) => i.tool_id === toolId && i.score !== null)
        .map((i) => i.score as number);
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      assert.ok(row[1].includes(mean.toFixed(1)), `mean score ${mean.toFixed(1)} of ${toolId}`);
    }
    assert.match(html, /data-testid="spearman">ρ = -?\d\.\d\d/);
  });

  it('is self-contained: images inlined, no network resource referenced', () => {
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(
      html,
      /(src|href)="\/(?!\/)/,
      'no root-relative URL (it would not resolve from file://)',
    );
    const images = html.match(/src="data:image\/webp;base64,/g) ?? [];
    const outputs = detail.items.filter((i) => i.image_url).length;
    assert.ok(
      images.length >= outputs * 2,
      `${images.length} inlined images for ${outputs} outputs (thumb + full)`,
    );
    assert.match(html, /<style>[\s\S]*--accent[\s\S]*<\/style>/);
    assert.match(html, /<script>[\s\S]*data-sortable[\s\S]*<\/script>/);
  });

  it('is the same file whether its images come from the variant cache or are encoded on the fly', async () => {
    const reports = fixture.module.get(ReportService);
    const cache = join(fixture.root, 'runs', VARIANT_CACHE_FOLDER);
    const cached = await readdir(cache, { recursive: true });
    assert.ok(cached.filter((f) => f.endsWith('.webp')).length >= 2, 'the first export filled the cache');
    const fromCache = await reports.render(fixture.runId);
    await rm(cache, { recursive: true, force: true });
    const encoded = await reports.render(fixture.runId);
    const withoutDate = (page: string) => page.replace(/ · generated [^<]*/, '');
    assert.equal(withoutDate(fromCache), withoutDate(html));
    assert.equal(withoutDate(encoded), withoutDate(html));
  });

  it('says "still running" for a run that is not over', async () => {
    const renderer = fixture.module.get(ReportService);
    const runs = fixture.module.get(RunsService);
    const run = await runs.get(fixture.runId);
    const repo = (runs as unknown as { runs: { update(where: object, patch: object): Promise<unknown> } })
      .runs;
    await repo.update({ id: run.id }, { status: 'running', finishedAt: null });
    try {
      assert.match(await renderer.render(run.id), /still running/);
    } finally {
      await repo.update({ id: run.id }, { status: run.status, finishedAt: run.finishedAt });
    }
  });

  it('rejects an unknown run with a 404 UserError', async () => {
    await assert.rejects(
      fixture.module.get(ReportService).render('nope'),
      (e: Error & { status?: number }) => e.status === 404,
    );
  });

  describe('in Chromium from file://, offline', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    it('loads with no network request, sorts and filters the grid, opens a full-size output', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const blocked: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
      const shots = join(packageRoot(), 'test-results');
      await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });

      const tool = detail.tool_ids[0];
      const column = 1 + detail.tool_ids.indexOf(tool);
      const values = () =>
        page.$$eval(
          'table.grid tbody tr',
          (rows, col) => rows.map((r) => Number((r as HTMLTableRowElement).cells[col].dataset.sortValue)),
          column,
        );
      await page.click(`[data-testid=sort-${tool}]`);
      const descending = await values();
      assert.deepEqual(
        descending,
        [...descending].sort((a, b) => b - a),
      );
      assert.equal(descending.length, detail.case_ids.length);
      assert.notDeepEqual(
        descending,
        [...descending].sort((a, b) => a - b),
        'the fixture has differing scores',
      );
      await page.click(`[data-testid=sort-${tool}]`);
      const ascending = await values();
      assert.deepEqual(
        ascending,
        [...descending].sort((a, b) => a - b),
      );

      await page.fill('[data-testid=grid-filter]', detail.case_ids[1]);
      assert.equal(await page.locator('table.grid tbody tr:visible').count(), 1);
      await page.fill('[data-testid=grid-filter]', '');
      await page.selectOption('[data-testid=grid-status]', 'failed');
      const failedCases = new Set(detail.items.filter((i) => i.status === 'failed').map((i) => i.case_id));
      assert.equal(await page.locator('table.grid tbody tr:visible').count(), failedCases.size);
      await page.selectOption('[data-testid=grid-status]', '');

      const scored = detail.items.find((i) => i.status === 'scored');
      assert.ok(scored);
      await page.click(`#cell-${scored.id} .thumb-link`);
      assert.ok(await page.locator(`#full-${scored.id}`).isVisible());
      await page.screenshot({ path: join(shots, 'report-lightbox.png') });
      await page.close();

      const dark = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
      await dark.goto(`file://${file}`);
      await dark.screenshot({ path: join(shots, 'report-dark.png') });
      await dark.emulateMedia({ media: 'print', colorScheme: 'light' });
      await dark.screenshot({ path: join(shots, 'report-print.png'), fullPage: true });
      await dark.close();
    });
  });
});
