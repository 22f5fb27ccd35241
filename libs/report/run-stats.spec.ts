import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRunPanel, publicOptions, toolCard, urlImages } from './run-panel.builder';
import { fixtureCase, fixtureItem, fixtureRun, fixtureTool } from '../../test/fixtures/run-detail.fixture';
import { agreement, bootstrapInterval, leaderboard, spearmanRho } from './run-stats';

describe('run statistics', () => {
  it('Spearman is 1 for the same order, -1 for the reverse, handles ties, and is undefined for a constant side', () => {
    assert.equal(spearmanRho([10, 20, 30, 40], [1, 2, 3, 5]), 1);
    assert.equal(spearmanRho([10, 20, 30, 40], [5, 3, 2, 1]), -1);
    const tied = spearmanRho([10, 20, 30, 40], [1, 1, 2, 2]);
    assert.ok(tied !== null && tied > 0.8 && tied < 1);
    assert.equal(spearmanRho([10, 20, 30], [3, 3, 3]), null);
  });

  it('bootstrap interval is deterministic for a seed and brackets the mean', () => {
    const values = [10, 30, 50, 70, 90, 20, 40];
    const a = bootstrapInterval(values, 7);
    assert.deepEqual(a, bootstrapInterval(values, 7));
    assert.ok(a && a[0] < 44.3 && a[1] > 44.3 && a[0] >= 10 && a[1] <= 90);
    assert.equal(bootstrapInterval([5], 7), null);
  });

  it('leaderboard and agreement count only what they should', () => {
    const tool = fixtureTool('t1');
    const items = [
      fixtureItem({ id: 1, case_id: 'a', tool_id: 't1', score: 80, stars: 5, cost_usd: 0.1 }),
      fixtureItem({ id: 2, case_id: 'b', tool_id: 't1', score: 40, stars: 2, cost_usd: 0.1 }),
      fixtureItem({
        id: 3,
        case_id: 'c',
        tool_id: 't1',
        status: 'failed',
        score: null,
        image_url: null,
        image_path: null,
        cost_usd: null,
      }),
      fixtureItem({ id: 4, case_id: 'd', tool_id: 't1', score: 60, cached: true, latency_ms: 0 }),
      // Canceled: neither a success nor a failure.
      fixtureItem({
        id: 5,
        case_id: 'e',
        tool_id: 't1',
        status: 'canceled',
        score: null,
        image_url: null,
        image_path: null,
        cost_usd: null,
      }),
    ];
    const [row] = leaderboard([toolCard(tool)], items);
    assert.equal(row.meanScore, 45, 'the failed item counts as 0; the canceled one not at all');
    assert.equal(row.meanScored, 60);
    assert.equal(row.scored, 3);
    assert.equal(row.failed, 1);
    assert.equal(row.successRate, 0.75);
    assert.equal(row.refused, 0);
    assert.equal(row.refusalRate, 0);
    const refused = items.map((i) => (i.id === 3 ? { ...i, error_code: 'refused' as const } : i));
    const [withRefusal] = leaderboard([toolCard(tool)], refused);
    assert.equal(withRefusal.refused, 1);
    assert.equal(withRefusal.refusalRate, 0.25);
    assert.equal(row.meanStars, 3.5);
    assert.equal(row.ratedCount, 2);
    assert.equal(row.meanLatencyMs, 1200, 'cached items do not count toward latency');
    assert.ok(row.costPerImage !== null && Math.abs(row.costPerImage - 0.2 / 3) < 1e-9);
    assert.deepEqual(agreement(items), { pairs: 2, spearman: null, minimumPairs: 5 });
    assert.equal(agreement(items, 2).spearman, 1);
  });

  it('the run panel never carries secret-looking tool options', async () => {
    assert.deepEqual(publicOptions({ model: 'x', api_key: 'k', OPENAI_TOKEN: 't', password: 'p' }), {
      model: 'x',
    });
    const run = fixtureRun([fixtureItem({ id: 1, case_id: 'c1', tool_id: 't1' })]);
    const panel = await buildRunPanel(run, [fixtureCase('c1')], [fixtureTool('t1')], urlImages);
    assert.deepEqual(panel.header.tools[0].options, { model: 'm2' });
    assert.doesNotMatch(JSON.stringify(panel), /sk-live|sk-secret/);
  });
});
