import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ArenaVote } from '../libs/judgement/arena-vote.entity';
import { fabricateRun, type FabricatedRun } from './fixtures/report-run.fixture';
import { ReportService } from '../libs/report/report.service';
import { HumanScore } from '../libs/ratings/human-score.entity';
import type { RunDetail, RunItemView } from '../libs/runs/run-views';
import { SiteModule } from '../libs/web/site/site.module';
import { WebModule } from '../libs/web/web.module';
import { mentions } from './support/text';

/**
 * People's judgement over HTTP (docs/judgement.md) on a fabricated finished run of 5 cases × 3 tools: raters
 * and their ratings, agreement against a value worked out by hand, the arena's pair choice and votes, blind
 * fragments, and the report's arena leaderboard and agreement. Bad input is refused naming the field.
 */
describe("people's judgement over HTTP", () => {
  let fixture: FabricatedRun;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let items: RunItemView[];
  const byCell = (caseId: string, toolId: string) =>
    items.find((i) => i.case_id === caseId && i.tool_id === toolId) as RunItemView;

  before(async () => {
    fixture = await fabricateRun({ cases: 5, tools: 3, size: 64, imports: [WebModule, SiteModule] });
    app = fixture.app;
    await app.listen(0, '127.0.0.1');
    http = request(app.getHttpServer());
    items = ((await http.get(`/api/runs/${fixture.runId}`).expect(200)).body as RunDetail).items;
  });
  after(() => fixture?.close());

  const ratingRows = () => fixture.module.get(DataSource).getRepository(HumanScore).count();
  const voteRows = () => fixture.module.get(DataSource).getRepository(ArenaVote).count();

  it('keeps one rating per item and rater: mean, count and the rater’s own; null withdraws it', async () => {
    const item = byCell(fixture.caseIds[0], fixture.toolIds[1]);
    await http.post('/api/rate').send({ run_item_id: item.id, stars: 2, rater: 'ann' }).expect(200);
    await http.post('/api/rate').send({ run_item_id: item.id, stars: 5, rater: 'ann' }).expect(200);
    const saved = await http
      .post('/api/rate')
      .send({ run_item_id: item.id, stars: 4, rater: 'bob', blind: true })
      .expect(200);
    assert.deepEqual(
      {
        stars: saved.body.stars,
        mean: saved.body.stars_mean,
        n: saved.body.stars_n,
        blind: saved.body.blind,
      },
      { stars: 4, mean: 4.5, n: 2, blind: true },
    );
    const view = async (rater: string) =>
      ((await http.get(`/api/runs/${fixture.runId}?rater=${rater}`)).body as RunDetail).items.find(
        (i) => i.id === item.id,
      ) as RunItemView;
    const asAnn = await view('ann');
    assert.deepEqual([asAnn.stars, asAnn.stars_n, asAnn.my_stars], [4.5, 2, 5]);
    assert.equal((await view('bob')).my_stars, 4);
    await http.post('/api/rate').send({ run_item_id: item.id, stars: null, rater: 'ann' }).expect(200);
    assert.deepEqual([(await view('ann')).stars, (await view('ann')).my_stars], [4, null]);
    const blindRow = await fixture.module
      .get(DataSource)
      .getRepository(HumanScore)
      .findOneByOrFail({ runItemId: item.id, rater: 'bob' });
    assert.equal(Boolean(blindRow.blind), true);
  });

  it('refuses a bad rater name or stars with a 400 naming the field, and stores nothing', async () => {
    const item = byCell(fixture.caseIds[1], fixture.toolIds[0]);
    const before = await ratingRows();
    for (const [body, field] of [
      [{ run_item_id: item.id, stars: 3, rater: '' }, /rater/],
      [{ run_item_id: item.id, stars: 3, rater: 'x'.repeat(41) }, /rater/],
      [{ run_item_id: item.id, stars: 3, rater: 'ann\nbob' }, /rater/],
      [{ run_item_id: item.id, stars: 3, rater: 'ann\u001b[31m' }, /rater/],
      [{ run_item_id: item.id, stars: 6, rater: 'ann' }, /stars/],
      [{ run_item_id: item.id, stars: 0 }, /stars/],
    ] as const) {
      const res = await http.post('/api/rate').send(body).expect(400);
      assert.match(res.body.error, field, JSON.stringify(body));
    }
    assert.equal(await ratingRows(), before);
    await http.get(`/app/runs/${fixture.runId}/grid?rater=a%07b`).expect(400);
  });

  it('agreement: Krippendorff’s ordinal alpha of three raters equals the value worked out by hand', async () => {
    // Three raters on the first tool's five items: {1,1,2}, {2,2,2}, {3,3,3}, {4,4,4}, {5,5,5}.
    // Coincidences (1/2 per ordered pair): o12 = o21 = 1; marginals n = (2, 4, 3, 3, 3), n = 15.
    // Observed Σ o·δ² = 2 · δ²(1,2) = 2 · (6 − 3)² = 18. Expected Σ n_c n_k δ² over c ≠ k = 8055
    // (δ² from the ordinal metric: 9, 42.25, 90.25, 156.25, 12.25, 42.25, 90.25, 9, 36, 9 for the pairs
    // 12 13 14 15 23 24 25 34 35 45, times n_c·n_k, doubled). α = 1 − 14 · 18 / 8055 = 7803 / 8055.
    const stars = [
      [1, 1, 2],
      [2, 2, 2],
      [3, 3, 3],
      [4, 4, 4],
      [5, 5, 5],
    ];
    const raters = ['carol', 'dave', 'erin'];
    for (const [c, caseId] of fixture.caseIds.entries()) {
      for (const [r, rater] of raters.entries()) {
        await http
          .post('/api/rate')
          .send({ run_item_id: byCell(caseId, fixture.toolIds[0]).id, stars: stars[c][r], rater })
          .expect(200);
      }
    }
    const res = await http.get(`/api/runs/${fixture.runId}/agreement`).expect(200);
    const a = res.body;
    assert.ok(
      Math.abs(a.krippendorff_alpha_ordinal - 7803 / 8055) < 1e-9,
      String(a.krippendorff_alpha_ordinal),
    );
    assert.equal(a.n_items_multi_rated, 5); // ann withdrew her rating of the item bob rated
    assert.equal(a.min_ratings, 5);
    assert.ok(a.spearman_pooled >= -1 && a.spearman_pooled <= 1);
    assert.ok(a.spearman_ci[0] <= a.spearman_pooled && a.spearman_pooled <= a.spearman_ci[1]);
    const carol = a.raters.find((r: { rater: string }) => r.rater === 'carol');
    assert.equal(carol.n, 5);
    // bob rated one item: too few for a correlation of his own.
    assert.equal(a.raters.find((r: { rater: string }) => r.rater === 'bob').spearman_vs_machine, null);
    assert.equal(a.arena.spearman_vs_machine, null);
    await http.get('/api/runs/nope/agreement').expect(404);
  });

  it('arena: least-voted pairs first, never the same pair twice for a rater, no tool names', async () => {
    const seen = new Set<string>();
    const pairs = 5 * 3; // five cases, three tools: three pairs a case
    for (let k = 0; k < pairs; k++) {
      const res = await http.get(`/api/arena/next?run_id=${fixture.runId}&rater=frank`).expect(200);
      const { case_id, left, right, remaining } = res.body;
      assert.equal(remaining, pairs - k);
      for (const tool of fixture.toolIds) assert.doesNotMatch(JSON.stringify(res.body), new RegExp(tool));
      const key = [left.item_id, right.item_id].sort().join('-');
      assert.ok(!seen.has(key), `pair ${key} offered twice`);
      seen.add(key);
      const [l, r] = [left, right].map((s) => items.find((i) => i.id === s.item_id) as RunItemView);
      assert.equal(l.case_id, case_id);
      assert.equal(r.case_id, case_id);
      assert.notEqual(l.tool_id, r.tool_id);
      // The first tool wins every vote it is in; the other two tie.
      const winner =
        l.tool_id === fixture.toolIds[0] ? 'left' : r.tool_id === fixture.toolIds[0] ? 'right' : 'tie';
      await http
        .post('/api/votes')
        .send({ left_item_id: left.item_id, right_item_id: right.item_id, winner, rater: 'frank' })
        .expect(201);
      if (k === 0) {
        // A second rater now gets a pair nobody voted on yet.
        const other = await http.get(`/api/arena/next?run_id=${fixture.runId}&rater=gina`).expect(200);
        assert.notEqual([other.body.left.item_id, other.body.right.item_id].sort().join('-'), key);
        const image = await http.get(other.body.left.image_url).expect(200);
        assert.equal(image.headers['content-type'], 'image/png');
        assert.doesNotMatch(other.body.left.image_url, new RegExp(fixture.toolIds.join('|')));
      }
    }
    const done = await http.get(`/api/arena/next?run_id=${fixture.runId}&rater=frank`).expect(200);
    assert.deepEqual(done.body, { case_id: null, left: null, right: null, remaining: 0, reference: null });
    const board = (await http.get(`/api/arena?run_id=${fixture.runId}`).expect(200)).body;
    assert.equal(board.votes, pairs);
    const [best, ...rest] = [...board.variants].sort((x, y) => y.rating - x.rating);
    assert.equal(best.variant, fixture.toolIds[0]);
    assert.deepEqual([best.wins, best.losses, best.ties], [10, 0, 0]);
    for (const v of rest) assert.deepEqual([v.wins, v.losses, v.ties], [0, 5, 5]);
    assert.ok(best.ci_low > Math.max(...rest.map((v: { ci_high: number }) => v.ci_high)));
    assert.deepEqual((await http.get(`/api/arena?runs=${fixture.runId}`)).body, board);
  });

  it('refuses bad votes with a 400 naming the field, and stores nothing', async () => {
    const [a, b] = [
      byCell(fixture.caseIds[0], fixture.toolIds[0]),
      byCell(fixture.caseIds[0], fixture.toolIds[1]),
    ];
    const otherCase = byCell(fixture.caseIds[1], fixture.toolIds[1]);
    const ok = { left_item_id: a.id, right_item_id: b.id, winner: 'left', rater: 'hal' };
    const before = await voteRows();
    for (const [body, field] of [
      [{ ...ok, left_item_id: 999999 }, /left_item_id/],
      [{ ...ok, right_item_id: otherCase.id }, /right_item_id.*case/],
      [{ ...ok, right_item_id: a.id }, /right_item_id/],
      [{ ...ok, winner: 'middle' }, /winner/],
      [{ ...ok, winner: undefined }, /winner/],
      [{ ...ok, rater: '' }, /rater/],
      [{ ...ok, rater: 'y'.repeat(41) }, /rater/],
      [{ ...ok, rater: 'tab\there' }, /rater/],
      [{ ...ok, extra: 1 }, /extra/],
    ] as const) {
      const res = await http.post('/api/votes').send(body).expect(400);
      assert.match(res.body.error, field, JSON.stringify(body));
    }
    assert.equal(await voteRows(), before);
    for (const query of ['rater=hal', `run_id=${fixture.runId}`, `run_id=${fixture.runId}&rater=`]) {
      const res = await http.get(`/api/arena/next?${query}`).expect(400);
      assert.match(res.body.error, /run_id|rater/);
    }
    await http.get(`/api/arena/next?run_id=nope&rater=hal`).expect(404);
  });

  it('blind fragments name no tool and show no score, in a stable per-rater order; revealed they do', async () => {
    const blind = await http.get(`/app/runs/${fixture.runId}/grid?blind=1&rater=ann`).expect(200);
    for (const tool of fixture.toolIds) assert.ok(!mentions(blind.text, tool), `${tool} in the blind panel`);
    assert.doesNotMatch(blind.text, /data-role="score"|badge-/);
    assert.match(blind.text, /data-blind="true"/);
    assert.match(blind.text, /data-testid="reveal-button"/);
    assert.match(blind.text, /\/app\/items\/\d+\/image/);
    const again = await http.get(`/app/runs/${fixture.runId}/grid?blind=1&rater=ann`).expect(200);
    assert.equal(again.text, blind.text);
    const order = (html: string) => [...html.matchAll(/data-item-id="(\d+)"/g)].map((m) => m[1]).join(',');
    const other = await http.get(`/app/runs/${fixture.runId}/grid?blind=1&rater=zoe`).expect(200);
    assert.notEqual(order(other.text), order(blind.text), 'another rater sees another order');
    const item = byCell(fixture.caseIds[2], fixture.toolIds[2]);
    const cell = await http.get(`/app/runs/${fixture.runId}/items/${item.id}?blind=1&rater=ann`).expect(200);
    for (const tool of fixture.toolIds) assert.ok(!mentions(cell.text, tool));
    const summary = await http.get(`/app/runs/${fixture.runId}/summary?blind=1&rater=ann`).expect(200);
    for (const tool of fixture.toolIds) assert.ok(!mentions(summary.text, tool));
    const revealed = await http.get(`/app/runs/${fixture.runId}/grid?rater=ann`).expect(200);
    for (const tool of fixture.toolIds) assert.ok(mentions(revealed.text, tool));
    assert.match(revealed.text, /data-testid="arena-leaderboard"/);
    const arenaPage = await http.get(`/arena?run=${fixture.runId}`).expect(200);
    assert.match(arenaPage.text, new RegExp(`<option value="${fixture.runId}" selected`));
    for (const tool of fixture.toolIds)
      assert.ok(!mentions(arenaPage.text, tool), `${tool} on the arena page`);
  });

  it('the report shows the arena leaderboard beside the machine one, and the agreement', async () => {
    const html = await fixture.module.get(ReportService).render(fixture.runId);
    assert.match(html, /data-testid="leaderboard"/);
    assert.match(html, /data-testid="arena-leaderboard"[\s\S]*15 votes/);
    assert.match(html, /data-testid="agreement-alpha"[\s\S]*α = 0\.97/);
  });
});
