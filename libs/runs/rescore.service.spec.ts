import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { TestingModule } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserError } from '../core/user-error';
import { filesUnder, makeTempData, writeCases } from '../../test/support/fixtures';
import {
  ScriptedEvaluator,
  succeedAfter,
  wait,
  WideTool,
  runsTestModule,
} from '../../test/support/test-tools';
import { RescoreService } from './rescore.service';
import { RunExecutor } from './run-executor';
import type { RunDetail } from './run-views';
import { Run } from './run.entity';
import { RunsService } from './runs.service';

// Rescoring with a deterministic evaluator whose version and score a test changes, playing a new scorer.

const data = makeTempData('rescore');
let app: TestingModule;
let runs: RunsService;
let executor: RunExecutor;
let rescorer: RescoreService;
let wide: WideTool;
let cases: string[];
const evaluator = new ScriptedEvaluator();

before(async () => {
  cases = await writeCases(data.datasets, 4, 'rs');
  app = await runsTestModule(data.settings, evaluator);
  runs = app.get(RunsService);
  executor = app.get(RunExecutor);
  rescorer = app.get(RescoreService);
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

async function finishedRun(caseIds: string[]): Promise<RunDetail> {
  const { run } = await runs.create({
    case_ids: caseIds,
    tool_ids: ['test_wide'],
    options: { cache: false },
  });
  await executor.execute(run.id);
  return runs.detail(run.id);
}

/** SHA-256 of every file of the runs folder but the database (which a rescore writes), by path. */
function outputFiles(): Map<string, string> {
  const files = filesUnder(data.runs).filter((f) => !f.startsWith('swapbench.db'));
  return new Map(
    files.map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(data.runs, f)))
        .digest('hex'),
    ]),
  );
}

describe('rescore', () => {
  test('gives every item the current scorer’s score and version, calls no tool and writes no file', async () => {
    evaluator.failFor.add(cases[1]);
    const before = await finishedRun(cases);
    for (const item of before.items.filter((i) => i.case_id !== cases[1])) {
      assert.equal(item.status, 'scored');
      assert.equal(item.score, 50);
      assert.equal(item.scorer_version, 'scripted-1');
    }
    const failedAtScoring = before.items.find((i) => i.case_id === cases[1])!;
    assert.equal(failedAtScoring.status, 'failed');
    assert.match(failedAtScoring.error ?? '', /^Scoring failed/);
    const files = outputFiles();
    assert.ok(
      [...files.keys()].some((f) => f.endsWith('.png')) && [...files.keys()].some((f) => f.endsWith('.json')),
    );
    const calls = wide.calls.length;

    // A new scorer, which can also score the case the old one failed on.
    evaluator.version = 'scripted-2';
    evaluator.score = 70;
    evaluator.failFor.clear();
    const progress: number[] = [];
    const result = await rescorer.rescore(await runs.get(before.id), (p) => progress.push(p.done));
    assert.equal(result.run_id, before.id);
    assert.equal(result.rescored, cases.length);
    assert.equal(result.unchanged, 0);
    assert.equal(result.failed, 0);
    assert.deepEqual(progress, [0, 1, 2, 3, 4]);
    const byCase = new Map(result.items.map((i) => [i.case_id, i]));
    assert.equal(byCase.get(cases[0])?.old_score, 50);
    assert.equal(byCase.get(cases[1])?.old_score, null);
    for (const item of result.items) {
      assert.equal(item.score, 70);
      assert.equal(item.scorer_version, 'scripted-2');
      assert.equal(item.error, null);
    }

    const after = await runs.detail(before.id);
    for (const item of after.items) {
      assert.equal(item.status, 'scored', `${item.case_id}: ${item.error}`);
      assert.equal(item.score, 70);
      assert.deepEqual(item.breakdown, { test: 0.7 });
      assert.equal(item.scorer_version, 'scripted-2');
      assert.equal(item.error, null);
      const earlier = before.items.find((i) => i.id === item.id)!;
      assert.equal(item.image_path, earlier.image_path);
      assert.equal(item.attempts, earlier.attempts);
      assert.equal(item.finished_at, earlier.finished_at);
    }
    assert.equal(wide.calls.length, calls, 'no tool was called');
    assert.deepEqual(outputFiles(), files, 'images and sidecars are byte-identical');

    // Everything is at the current version now: a second rescore has nothing to do.
    evaluator.evaluated = [];
    const again = await rescorer.rescore(await runs.get(before.id));
    assert.deepEqual(
      { rescored: again.rescored, unchanged: again.unchanged, failed: again.failed, items: again.items },
      { rescored: 0, unchanged: cases.length, failed: 0, items: [] },
    );
    assert.deepEqual(evaluator.evaluated, []);
  });

  test('an interrupted rescore is finished by a second call, which scores only the items not yet done', async () => {
    const before = await finishedRun(cases);
    evaluator.version = 'scripted-3';
    evaluator.score = 30;
    // The first case scores at once, the others take a while: the interruption comes while they score.
    const evaluate = evaluator.evaluate.bind(evaluator);
    evaluator.evaluate = async (testCase, outputPath) => {
      if (testCase.id !== cases[0]) await wait(200);
      return evaluate(testCase, outputPath);
    };
    const controller = new AbortController();
    const first = await rescorer
      .rescore(
        await runs.get(before.id),
        (p) => {
          if (p.done === 1) controller.abort();
        },
        controller.signal,
      )
      .finally(() => (evaluator.evaluate = evaluate));
    assert.equal(first.rescored, 1);
    assert.equal(first.items[0].case_id, cases[0]);
    const mid = await runs.detail(before.id);
    assert.equal(mid.items.filter((i) => i.scorer_version === 'scripted-3').length, first.rescored);
    for (const item of mid.items.filter((i) => i.scorer_version !== 'scripted-3')) {
      assert.equal(item.score, 50, 'an item not rescored keeps its old score');
      assert.equal(item.scorer_version, 'scripted-1');
    }

    evaluator.evaluated = [];
    const second = await rescorer.rescore(await runs.get(before.id));
    assert.equal(second.rescored, cases.length - first.rescored);
    assert.equal(second.unchanged, first.rescored);
    assert.equal(evaluator.evaluated.length, cases.length - first.rescored);
    const done = await runs.detail(before.id);
    assert.ok(done.items.every((i) => i.scorer_version === 'scripted-3' && i.score === 30));
  });

  test('a scoring that fails now is stored as failed with the version that judged it', async () => {
    const before = await finishedRun([cases[2]]);
    evaluator.version = 'scripted-4';
    evaluator.failFor.add(cases[2]);
    const result = await rescorer.rescore(await runs.get(before.id));
    assert.equal(result.failed, 1);
    assert.match(result.items[0].error ?? '', /^Scoring failed: no face in rs_03/);
    const item = (await runs.detail(before.id)).items[0];
    assert.equal(item.status, 'failed');
    assert.equal(item.score, null);
    assert.equal(item.scorer_version, 'scripted-4');
    assert.equal((await rescorer.rescore(await runs.get(before.id))).failed, 0, 'not tried again');
  });

  test('refuses a running run and an unknown one, saying how to list runs', async () => {
    const before = await finishedRun([cases[0]]);
    const store = app.get<Repository<Run>>(getRepositoryToken(Run));
    await store.update(before.id, { status: 'running' });
    await assert.rejects(rescorer.runToRescore(before.id), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.status, 409);
      assert.match(error.message, new RegExp(`Run ${before.id} is running`));
      return true;
    });
    const { runs: ready, running } = await rescorer.allRuns();
    assert.ok(running.some((r) => r.id === before.id));
    assert.ok(!ready.some((r) => r.id === before.id));
    await store.update(before.id, { status: 'finished' });

    await assert.rejects(rescorer.runToRescore('r_nope'), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.status, 404);
      assert.match(error.message, /Unknown run "r_nope".*swapbench runs/);
      return true;
    });
  });
});
