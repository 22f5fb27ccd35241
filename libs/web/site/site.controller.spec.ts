import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fabricateRun, type FabricatedRun } from '../../report/report-run.fixture';
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

  it('answers unknown runs, items and assets with a JSON 4xx', async () => {
    const server = app.getHttpServer();
    assert.match((await request(server).get('/app/runs/nope/grid').expect(404)).body.error, /Unknown run/);
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
