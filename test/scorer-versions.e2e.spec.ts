import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SwapEvaluator } from '../libs/evaluator/swap-evaluator';
import { RescoreService } from '../libs/runs/rescore.service';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunItem } from '../libs/runs/run-item.entity';
import type { RunDetail } from '../libs/runs/run-views';
import { JsonErrorsFilter } from '../libs/web/http/json-errors.filter';
import { SiteModule } from '../libs/web/site/site.module';
import { WebModule } from '../libs/web/web.module';
import { makeTempData, writeCases } from './support/fixtures';
import { ScriptedEvaluator, succeedAfter, TEST_TOOLS, WideTool } from './support/test-tools';
import { SettingsModule } from '../libs/core/config/settings.module';

// Scorer versions and unscorable cases through HTTP, with the deterministic evaluator in place of the
// face scorer: POST /api/run refuses an unscorable case before any tool call, GET /api/runs/{id} carries
// scorer_version, the rendered panel and report say when versions are mixed, and the case listing says
// what the background check found.

const data = makeTempData('scorer-versions');
const evaluator = new ScriptedEvaluator();
let app: INestApplication;
let http: ReturnType<typeof request>;
let wide: WideTool;
let cases: string[];

before(async () => {
  cases = await writeCases(data.datasets, 3, 'sv');
  const module = await Test.createTestingModule({
    imports: [SettingsModule.forRoot(data.settings), WebModule, SiteModule],
    providers: TEST_TOOLS,
  })
    .overrideProvider(SwapEvaluator)
    .useValue(evaluator)
    .setLogger(false as never)
    .compile();
  app = module.createNestApplication({ logger: false });
  app.useGlobalFilters(new JsonErrorsFilter());
  await app.listen(0, '127.0.0.1');
  http = request(app.getHttpServer());
  wide = app.get(WideTool);
  wide.script(succeedAfter(1));
  evaluator.unscorableFor = new Set([cases[1]]);
});

after(async () => {
  await app?.close();
  data.cleanup();
});

async function finished(runId: string): Promise<RunDetail> {
  await app.get(RunExecutor).execute(runId);
  return (await http.get(`/api/runs/${runId}`).expect(200)).body as RunDetail;
}

describe('scorer versions over HTTP', () => {
  it('POST /api/run with an unscorable case answers 400 naming the case and slot, calls no tool, stores nothing', async () => {
    const runsBefore = (await http.get('/api/runs').expect(200)).body as unknown[];
    const res = await http
      .post('/api/run')
      .send({ case_ids: 'all', tool_ids: ['test_wide'], options: { cache: false } })
      .expect(400);
    assert.deepEqual(Object.keys(res.body), ['error']);
    assert.match(res.body.error, /case "sv_02": No face found in the template at slot p1/);
    assert.match(res.body.error, /options\.skip_unscorable/);
    // Give a wrongly started run a moment to call its tool.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(wide.calls.length, 0);
    assert.equal(((await http.get('/api/runs').expect(200)).body as unknown[]).length, runsBefore.length);
  });

  it('with options.skip_unscorable the others run, the skipped case is listed, and items carry scorer_version', async () => {
    const res = await http
      .post('/api/run')
      .send({ case_ids: 'all', tool_ids: ['test_wide'], options: { cache: false, skip_unscorable: true } })
      .expect(202);
    assert.deepEqual(res.body.skipped, [
      { case_id: 'sv_02', reason: 'No face found in the template at slot p1' },
    ]);
    const detail = await finished(res.body.run_id as string);
    assert.deepEqual(detail.case_ids, ['sv_01', 'sv_03']);
    assert.deepEqual(wide.calls.map((c) => c.caseId).sort(), ['sv_01', 'sv_03']);
    for (const item of detail.items) {
      assert.equal(item.status, 'scored');
      assert.equal(item.scorer_version, 'scripted-1');
      for (const key of [
        'id',
        'case_id',
        'tool_id',
        'status',
        'image_url',
        'score',
        'breakdown',
        'error',
        'stars',
      ])
        assert.ok(key in item, `item has ${key}`);
    }

    const panelBefore = (await http.get(`/app/runs/${detail.id}/grid`).expect(200)).text;
    assert.doesNotMatch(panelBefore, /mixed-scorer-versions/);
    assert.match(panelBefore, /data-testid="scorer-versions">scripted-1</);

    // One item as a database from before versions left it: the run's scores come from two "versions".
    const items = app.get(DataSource).getRepository(RunItem);
    await items.update(detail.items[0].id, { scorerVersion: null });
    const mixed = (await http.get(`/api/runs/${detail.id}`).expect(200)).body as RunDetail;
    assert.deepEqual(mixed.items.map((i) => i.scorer_version).sort(), [null, 'scripted-1']);

    const notice = new RegExp(
      `Scores from scorer versions scripted-1 and \\(unversioned\\) — run <code>swapbench rescore ${detail.id}</code> to compare them fairly`,
    );
    const panel = (await http.get(`/app/runs/${detail.id}/grid`).expect(200)).text;
    assert.match(panel, /data-testid="mixed-scorer-versions"/);
    assert.match(panel, notice);
    const summary = (await http.get(`/app/runs/${detail.id}/summary`).expect(200)).text;
    assert.match(summary, notice);
    const report = (await http.get(`/api/runs/${detail.id}/report`).expect(200)).text;
    assert.match(report, notice);

    // Rescored by a newer scorer, the run is of one version again and the notice goes.
    evaluator.version = 'scripted-2';
    const rescorer = app.get(RescoreService);
    const result = await rescorer.rescore(await rescorer.runToRescore(detail.id));
    assert.equal(result.rescored, 2);
    const after = (await http.get(`/app/runs/${detail.id}/grid`).expect(200)).text;
    assert.doesNotMatch(after, /mixed-scorer-versions/);
    assert.match(after, /data-testid="scorer-versions">scripted-2</);
    evaluator.version = 'scripted-1';
  });

  it('GET /api/test-cases says which cases the scorer can score, once the background check has run', async () => {
    evaluator.version = 'scripted-gallery';
    const first = (await http.get('/api/test-cases').expect(200)).body as Array<{
      id: string;
      scorable: boolean | null;
      unscorable_reason: string | null;
    }>;
    assert.ok(first.every((c) => 'scorable' in c && 'unscorable_reason' in c));
    let listed = first;
    const deadline = Date.now() + 10_000;
    while (listed.some((c) => c.scorable === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      listed = (await http.get('/api/test-cases').expect(200)).body as typeof first;
    }
    const byId = new Map(listed.map((c) => [c.id, c]));
    assert.equal(byId.get('sv_01')?.scorable, true);
    assert.equal(byId.get('sv_01')?.unscorable_reason, null);
    assert.equal(byId.get('sv_02')?.scorable, false);
    assert.equal(byId.get('sv_02')?.unscorable_reason, 'No face found in the template at slot p1');

    // The gallery card is marked with the reason and unticked; a scorable one stays ticked.
    const gallery = (await http.get('/app/cases').expect(200)).text;
    const card = (id: string) => {
      const start = gallery.indexOf(`data-testid="case-card-${id}"`);
      const next = gallery.indexOf('data-testid="case-card-', start + 1);
      return gallery.slice(start, next === -1 ? undefined : next);
    };
    assert.match(card('sv_02'), /data-scorable="false"/);
    assert.match(
      card('sv_02'),
      /data-testid="case-unscorable-sv_02"[^>]*>[^<]*cannot score this case[^<]*No face found in the template at slot p1/,
    );
    assert.doesNotMatch(card('sv_02'), /checked/);
    assert.match(card('sv_01'), /data-scorable="true"/);
    assert.match(card('sv_01'), /checked/);
    evaluator.version = 'scripted-1';
  });
});
