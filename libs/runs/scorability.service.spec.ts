import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { TestingModule } from '@nestjs/testing';
import { CasesService } from '../cases/cases.service';
import { UserError } from '../core/user-error';
import { makeTempData, writeCases } from '../../test/support/fixtures';
import { ScriptedEvaluator, succeedAfter, WideTool, runsTestModule } from '../../test/support/test-tools';
import { RunExecutor } from './run-executor';
import { RunsService } from './runs.service';
import { ScorabilityService } from './scorability.service';

// The check before a run: a case the scorer cannot score never costs a tool call.

const data = makeTempData('scorability');
let app: TestingModule;
let runs: RunsService;
let executor: RunExecutor;
let scorability: ScorabilityService;
let wide: WideTool;
let cases: string[];
const evaluator = new ScriptedEvaluator();

before(async () => {
  cases = await writeCases(data.datasets, 4, 'sc');
  app = await runsTestModule(data.settings, evaluator);
  runs = app.get(RunsService);
  executor = app.get(RunExecutor);
  scorability = app.get(ScorabilityService);
  wide = app.get(WideTool);
});

after(async () => {
  await app?.close();
  data.cleanup();
});

beforeEach(() => {
  evaluator.reset();
  wide.script(succeedAfter(1));
});

describe('unscorable cases', () => {
  test('refuse the run before any tool is called, naming each case and its problem; nothing is stored', async () => {
    evaluator.unscorableFor = new Set([cases[1], cases[3]]);
    const stored = (await runs.list()).length;
    await assert.rejects(
      runs.create({ case_ids: 'all', tool_ids: ['test_wide'], options: { cache: false } }),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(error.status, 400);
        assert.match(error.message, /no tool was called/);
        assert.match(error.message, /case "sc_02": No face found in the template at slot p1/);
        assert.match(error.message, /case "sc_04": No face found in the template at slot p1/);
        assert.doesNotMatch(error.message, /sc_01|sc_03/);
        assert.match(error.message, /--skip-unscorable/);
        return true;
      },
    );
    assert.equal(wide.calls.length, 0);
    assert.equal((await runs.list()).length, stored, 'no run stored');
  });

  test('with skip_unscorable the others run and the skipped ones are listed', async () => {
    evaluator.unscorableFor = new Set([cases[1], cases[3]]);
    const { run, skipped } = await runs.create({
      case_ids: 'all',
      tool_ids: ['test_wide'],
      options: { cache: false, skip_unscorable: true },
    });
    assert.deepEqual(skipped, [
      { case_id: 'sc_02', reason: 'No face found in the template at slot p1' },
      { case_id: 'sc_04', reason: 'No face found in the template at slot p1' },
    ]);
    assert.deepEqual(run.caseIds, ['sc_01', 'sc_03']);
    await executor.execute(run.id);
    assert.deepEqual(wide.calls.map((c) => c.caseId).sort(), ['sc_01', 'sc_03']);
    const detail = await runs.detail(run.id);
    assert.ok(detail.items.every((i) => i.status === 'scored' && i.scorer_version === 'scripted-1'));
  });

  test('with skip_unscorable and nothing left, the run is refused', async () => {
    evaluator.unscorableFor = new Set([cases[1]]);
    await assert.rejects(
      runs.create({ case_ids: [cases[1]], tool_ids: ['test_wide'], options: { skip_unscorable: true } }),
      /None of the selected cases can be scored, so nothing was run\. case "sc_02": No face found/,
    );
    assert.equal(wide.calls.length, 0);
  });

  test('verdicts are remembered per case content and scorer version', async () => {
    const { cases: loaded } = await app.get(CasesService).list();
    const first = loaded.find((c) => c.id === cases[0])!;
    evaluator.version = 'scripted-memo';
    assert.equal(scorability.known(first), null);
    assert.deepEqual(await Promise.all([scorability.check(first), scorability.check(first)]), [[], []]);
    assert.deepEqual(evaluator.checked, [cases[0]], 'one check for two callers at once');
    assert.deepEqual(await scorability.check(first), []);
    assert.deepEqual(scorability.known(first), []);
    assert.deepEqual(evaluator.checked, [cases[0]], 'answered from memory');

    evaluator.version = 'scripted-memo-2';
    assert.equal(scorability.known(first), null, 'a new scorer has not judged it yet');
    await scorability.check(first);
    assert.deepEqual(evaluator.checked, [cases[0], cases[0]]);
  });

  test('the listing never waits: unknown cases are null, then checked in the background', async () => {
    evaluator.version = 'scripted-listing';
    evaluator.unscorableFor = new Set([cases[2]]);
    const listed = await scorability.listing();
    assert.ok(listed.every((c) => c.scorable === null && c.unscorable_reason === null));
    const deadline = Date.now() + 5000;
    let later = listed;
    while (later.some((c) => c.scorable === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      later = await scorability.listing();
    }
    const byId = new Map(later.map((c) => [c.id, c]));
    assert.equal(byId.get(cases[0])?.scorable, true);
    assert.equal(byId.get(cases[2])?.scorable, false);
    assert.equal(byId.get(cases[2])?.unscorable_reason, 'No face found in the template at slot p1');
    // Repeated listings queued each case once.
    assert.equal(evaluator.checked.filter((id) => id === cases[0]).length, 1);
  });
});
