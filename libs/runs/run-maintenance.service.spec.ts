import 'reflect-metadata';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Test, type TestingModule } from '@nestjs/testing';
import { UserError } from '../core/user-error';
import { SwapEvaluator } from '../evaluator/swap-evaluator';
import { makeTempData, writeCases } from '../../test/support/fixtures';
import {
  hangUntilAborted,
  ScriptedEvaluator,
  succeedAfter,
  TEST_TOOLS,
  WideTool,
} from '../../test/support/test-tools';
import { RunExecutor } from './run-executor';
import { RunMaintenanceService } from './run-maintenance.service';
import { RunsModule } from './runs.module';
import { RunsService } from './runs.service';
import { SettingsModule } from '../core/config/settings.module';

// Deleting runs and forgetting the cache, with a deterministic evaluator in place of face analysis.

const data = makeTempData('run-maintenance');
let app: TestingModule;
let runs: RunsService;
let executor: RunExecutor;
let maintenance: RunMaintenanceService;
let wide: WideTool;
let cases: string[];

before(async () => {
  cases = await writeCases(data.datasets, 2, 'mc');
  app = await Test.createTestingModule({
    imports: [SettingsModule.forRoot(data.settings), RunsModule],
    providers: TEST_TOOLS,
  })
    .overrideProvider(SwapEvaluator)
    .useValue(new ScriptedEvaluator())
    .compile();
  await app.init();
  runs = app.get(RunsService);
  executor = app.get(RunExecutor);
  maintenance = app.get(RunMaintenanceService);
  wide = app.get(WideTool);
});

after(async () => {
  await app?.close();
  data.cleanup();
});

const image = (path: string | null) => join(data.runs, ...(path ?? '').split('/'));

describe('runs delete', () => {
  test('is refused while the run runs, then removes its rows and files but not an image another run reuses', async () => {
    wide.script(succeedAfter(1));
    const { run: first } = await runs.create({
      case_ids: cases,
      tool_ids: ['test_wide'],
      options: { samples: 2 },
    });
    await executor.execute(first.id);
    const firstItems = (await runs.detail(first.id)).items;
    assert.equal(firstItems.length, 4);

    // A second run reuses the first one's outputs from the cache, then hangs on a tool of its own.
    wide.script(hangUntilAborted);
    const { run: second } = await runs.create({
      case_ids: cases,
      tool_ids: ['test_wide'],
      variants: [{ tool_id: 'test_wide', label: 'wide-5', options: { level: 5 } }],
      options: { samples: 2 },
    });
    const running = executor.execute(second.id);
    await assert.rejects(
      maintenance.remove(second.id),
      (e: unknown) => e instanceof UserError && e.status === 409,
    );
    await executor.stop(second.id, 'cancel');
    await running;
    const secondItems = (await runs.detail(second.id)).items;
    assert.equal(secondItems.filter((i) => i.cached).length, 4);

    const deleted = await maintenance.remove(first.id);
    assert.deepEqual(deleted, { run_id: first.id, items: 4, files: 0 });
    await assert.rejects(runs.detail(first.id), /Unknown run/);
    for (const item of firstItems)
      assert.ok(existsSync(image(item.image_path)), 'still used by the second run');

    const removed = await maintenance.remove(second.id);
    assert.deepEqual(removed, { run_id: second.id, items: 8, files: 4 });
    for (const item of firstItems)
      assert.ok(!existsSync(image(item.image_path)), `${item.image_path} removed`);
    assert.equal((await runs.list()).length, 0);
  });

  test('cache clear makes identical inputs generate again', async () => {
    wide.script(succeedAfter(1));
    const request = { case_ids: cases.slice(0, 1), tool_ids: ['test_wide'] };
    await executor.execute((await runs.create(request)).run.id);
    const again = (await runs.create(request)).run.id;
    await executor.execute(again);
    assert.equal((await runs.detail(again)).items[0].cached, true);
    const { forgotten } = await maintenance.clearCache();
    assert.ok(forgotten >= 2);
    const after = (await runs.create(request)).run.id;
    await executor.execute(after);
    assert.equal((await runs.detail(after)).items[0].cached, false);
  });
});
