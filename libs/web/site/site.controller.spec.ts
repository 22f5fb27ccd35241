import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { RatingsService } from '../../ratings/ratings.service';
import { fabricateRun, type FabricatedRun } from '../../../test/fixtures/report-run.fixture';
import { RunsService } from '../../runs/runs.service';
import type { RunDetail } from '../../runs/run-views';
import { clientAssets } from './site-assets';
import { SiteModule } from './site.module';

describe('SiteController', () => {
  let fixture: FabricatedRun;
  let app: INestApplication;
  let detail: RunDetail;

  before(async () => {
    fixture = await fabricateRun({
      cases: 3,
      tools: 2,
      size: 256,
      failEvery: 4,
      rateEvery: 2,
      imports: [SiteModule],
    });
    app = fixture.app;
    await app.listen(0, '127.0.0.1');
    detail = await fixture.module.get(RunsService).detail(fixture.runId);
  });
  after(() => fixture?.close());

  it('GET / renders the gallery, the tool picker and the earlier runs on the server, with the client script', async () => {
    const res = await request(app.getHttpServer())
      .get('/')
      .expect(200)
      .expect('content-type', /text\/html/);
    assert.match(res.headers['server-timing'] ?? '', /render;dur=\d/);
    assert.match(res.text, /^<!DOCTYPE html>/i);
    for (const id of fixture.caseIds) assert.match(res.text, new RegExp(`data-testid="case-${id}"`));
    for (const id of fixture.toolIds) assert.match(res.text, new RegExp(`data-testid="tool-${id}"`));
    assert.match(res.text, new RegExp(`data-testid="run-link-${fixture.runId}"`));
    assert.match(res.text, /<style>[\s\S]*--accent/);
    const [script] = clientAssets().scripts;
    assert.ok(script, 'the site build lists its client script');
    assert.ok(res.text.includes(`src="${script}"`));
    await request(app.getHttpServer())
      .get(script)
      .expect(200)
      .expect('content-type', /javascript/);
  });

  it('serves run panel and cell fragments from the same components', async () => {
    const panel = await request(app.getHttpServer()).get(`/app/runs/${fixture.runId}/grid`).expect(200);
    assert.doesNotMatch(panel.text, /<html/);
    for (const item of detail.items)
      assert.match(panel.text, new RegExp(`<td[^>]*data-item-id="${item.id}"`));
    assert.match(panel.text, /data-testid="leaderboard"/);
    const rated = detail.items.find((i) => i.stars !== null && i.image_url);
    assert.ok(rated);
    const cell = await request(app.getHttpServer())
      .get(`/app/runs/${fixture.runId}/items/${rated.id}`)
      .expect(200);
    assert.match(cell.text, /^<td/);
    assert.match(
      cell.text,
      new RegExp(`aria-checked="true"[^>]*data-testid="rate-${rated.id}-${rated.stars}"`),
    );
    assert.equal(cell.text.match(/aria-checked="true"/g)?.length, 1, 'exactly the latest rating is checked');
    assert.ok(cell.text.includes(`src="${rated.image_url}"`));
  });

  it('serves the summary alone (header, leaderboard, agreement) exactly as the panel renders it, without the grid', async () => {
    const server = app.getHttpServer();
    const summary = await request(server).get(`/app/runs/${fixture.runId}/summary`).expect(200);
    assert.match(summary.headers['content-type'] ?? '', /text\/html/);
    assert.equal(summary.headers['cache-control'], 'no-store');
    assert.match(summary.headers['server-timing'] ?? '', /render;dur=\d/);
    assert.match(summary.text, new RegExp(`^<div data-part="summary"[^>]*data-run-id="${fixture.runId}"`));
    assert.match(summary.text, new RegExp(`data-testid="run-header"[^>]*data-run-status="${detail.status}"`));
    assert.match(summary.text, /data-testid="leaderboard"/);
    assert.match(summary.text, /data-testid="agreement"/);
    for (const id of fixture.toolIds) assert.match(summary.text, new RegExp(`<tr data-tool-id="${id}"`));
    // No grid: no results panel, no cells, no images.
    assert.doesNotMatch(summary.text, /data-testid="results-grid"|data-part="grid"|data-item-id=|<img/);
    // The very markup of the panel's summary block, so patching it in leaves the page as a full load would.
    const panel = await request(server).get(`/app/runs/${fixture.runId}/grid`).expect(200);
    assert.ok(panel.text.includes(summary.text), 'the panel embeds the same summary markup');
    assert.ok(summary.text.length * 3 < panel.text.length, 'the summary is a small part of the panel');
  });

  it('the summary follows a new rating', async () => {
    const server = app.getHttpServer();
    const item = detail.items.find((i) => i.stars === null && i.status === 'scored');
    assert.ok(item, 'the fixture has an unrated scored item');
    const ratedCount = (html: string) => {
      const row = new RegExp(`<tr data-tool-id="${item.tool_id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
      const count = /\((\d+)\)<\/span>/.exec(row);
      assert.ok(count, `the leaderboard row of ${item.tool_id} shows its rated count`);
      return Number(count[1]);
    };
    const before = ratedCount(
      (await request(server).get(`/app/runs/${fixture.runId}/summary`).expect(200)).text,
    );
    await fixture.module.get(RatingsService).rate(item.id, 4);
    const after = ratedCount(
      (await request(server).get(`/app/runs/${fixture.runId}/summary`).expect(200)).text,
    );
    assert.equal(after, before + 1);
  });

  it('answers unknown runs, items and assets with a JSON 4xx', async () => {
    const server = app.getHttpServer();
    assert.match((await request(server).get('/app/runs/nope/grid').expect(404)).body.error, /Unknown run/);
    assert.match((await request(server).get('/app/runs/nope/summary').expect(404)).body.error, /Unknown run/);
    await request(server).get(`/app/runs/${fixture.runId}/items/999999`).expect(404);
    await request(server).get(`/app/runs/${fixture.runId}/items/abc`).expect(400);
    await request(server).get('/api/runs/nope/report').expect(404);
    for (const path of [
      '/_astro/nope.js',
      '/_astro/%2e%2e/assets.json',
      '/_astro/..%2f..%2fpackage.json',
      '/_astro/.hidden',
    ]) {
      const res = await request(server).get(path);
      assert.ok(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
      assert.equal(typeof res.body.error, 'string', path);
    }
  });

  it('GET /api/runs/:id/report downloads report_<id>.html', async () => {
    const res = await request(app.getHttpServer()).get(`/api/runs/${fixture.runId}/report`).expect(200);
    assert.equal(res.headers['content-disposition'], `attachment; filename="report_${fixture.runId}.html"`);
    assert.match(res.text, /swapbench report/);
    assert.doesNotMatch(res.text, /https?:\/\//);
  });
});
