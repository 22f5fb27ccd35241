import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureItem, fixtureRun, fixtureTool } from '../../test/fixtures/run-detail.fixture';
import { variantSummaries } from '../../libs/results/variant-scores';
import { leaderboard } from '../../libs/report/run-stats';
import { toolCard } from '../../libs/report/run-panel.builder';
import { belowGate } from './cli-args';
import { resultsTable, toResultJson } from './results';

/** A run whose one variant has a mean of 49.95: it prints as 50.0 but is below 50. */
const run = fixtureRun([
  fixtureItem({ id: 1, case_id: 'a', tool_id: 'classic_swap', score: 49.9 }),
  fixtureItem({ id: 2, case_id: 'b', tool_id: 'classic_swap', score: 50 }),
]);

describe('--fail-under', () => {
  it('compares the unrounded mean: 49.95 is below 50 and says so', () => {
    assert.deepEqual(belowGate(variantSummaries(run), 50), ['classic_swap (49.95)']);
    assert.deepEqual(belowGate(variantSummaries(run), 49.95), []);
    assert.deepEqual(belowGate(variantSummaries(run), { other: 90 }), []);
  });

  it('rounds the mean only where it is shown', () => {
    assert.equal(toResultJson(run, '/runs').tools[0].mean_score, 50);
    assert.match(resultsTable(run), /mean\W+50\.0/);
  });

  it('reads the same mean as the report', () => {
    const [row] = leaderboard([toolCard(fixtureTool('classic_swap'))], run.items);
    assert.equal(row.meanScore, variantSummaries(run)[0].mean_score);
  });
});
