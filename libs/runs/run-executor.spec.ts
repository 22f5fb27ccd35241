import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestingModule } from '@nestjs/testing';
import sharp from 'sharp';
import { RunEventBus } from '../core/event-bus';
import { encodeOutput } from '../report-images/report-variants';
import { VARIANT_CACHE_FOLDER, VariantCache } from '../report-images/variant-cache';
import { failed, final, retryable, type ToolResult } from '../tools/tool';
import { filesUnder, makeTempData, writeCase, writeCases } from '../../test/support/fixtures';
import {
  allTools,
  failFirst,
  hangUntilAborted,
  ignoreSignalForever,
  NarrowTool,
  OtherWideTool,
  ScriptedEvaluator,
  succeedAfter,
  tinyPng,
  WideTool,
  type Behavior,
  runsTestModule,
} from '../../test/support/test-tools';
import { sourceDigest } from '../report-images/variant-cache';
import { RunExecutor } from './run-executor';
import type { RunRequest } from './run-request';
import type { RunDetail, RunItemView } from './run-views';
import { RunsService } from './runs.service';

// Runner mechanics with a deterministic evaluator in place of face analysis: a successful item ends `scored`.
const SUCCESS = new Set(['scored']);
const TERMINAL = new Set(['scored', 'failed', 'canceled']);

const data = makeTempData('runner');
let app: TestingModule;
let runs: RunsService;
let executor: RunExecutor;
let wide: WideTool;
let otherWide: OtherWideTool;
let narrow: NarrowTool;
let cases: string[];
const evaluator = new ScriptedEvaluator();

before(async () => {
  cases = await writeCases(data.datasets, 6);
  app = await runsTestModule(data.settings, evaluator);
  runs = app.get(RunsService);
  executor = app.get(RunExecutor);
  wide = app.get(WideTool);
  otherWide = app.get(OtherWideTool);
  narrow = app.get(NarrowTool);
});

after(async () => {
  await app?.close();
  data.cleanup();
});

type Options = NonNullable<RunRequest['options']>;

/** Creates a run and executes it to its end. Cache is off unless asked for, so runs stay independent. */
async function runToEnd(caseIds: string[], toolIds: string[], options: Options = {}): Promise<RunDetail> {
  evaluator.evaluated = [];
  evaluator.digests = [];
  const { run } = await runs.create({
    case_ids: caseIds,
    tool_ids: toolIds,
    options: { cache: false, retry_base_ms: 1, ...options },
  });
  const status = await executor.execute(run.id);
  const detail = await runs.detail(run.id);
  assert.equal(detail.status, status);
  return detail;
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The cases of the items scored from now on, as the runner publishes them. */
function watchScored(): { scored: Set<string>; unsubscribe: () => void } {
  const scored = new Set<string>();
  const unsubscribe = app.get(RunEventBus).subscribe((event) => {
    if (event.type === 'update' && event.status === 'scored') scored.add(event.case_id);
  });
  return { scored, unsubscribe };
}

function item(detail: RunDetail, caseId: string, toolId = 'test_wide'): RunItemView {
  const found = detail.items.find((i) => i.case_id === caseId && i.tool_id === toolId);
  assert.ok(found, `no item ${caseId} × ${toolId}`);
  return found;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('concurrency', () => {
  test('the run limit binds across all tools of the run', async () => {
    wide.script(succeedAfter(40));
    otherWide.script(succeedAfter(40));
    const detail = await runToEnd(cases, ['test_wide', 'test_wide_other'], { concurrency: 3 });
    assert.equal(wide.calls.length + otherWide.calls.length, 12);
    assert.ok(allTools.maxInFlight <= 3, `at most 3 calls at once, saw ${allTools.maxInFlight}`);
    assert.ok(allTools.maxInFlight >= 2, `calls should overlap, saw ${allTools.maxInFlight}`);
    assert.ok(detail.items.every((i) => SUCCESS.has(i.status)));
  });

  test("a tool's own limit binds even when the run allows more", async () => {
    narrow.script(succeedAfter(40));
    wide.script(succeedAfter(40));
    const detail = await runToEnd(cases, ['test_narrow', 'test_wide'], { concurrency: 8 });
    assert.equal(narrow.calls.length, 6);
    assert.ok(narrow.maxInFlight <= 2, `test_narrow allows 2 at once, saw ${narrow.maxInFlight}`);
    // The other tool of the same run is not held to that limit: the run limit (8) is what binds it.
    assert.ok(wide.maxInFlight >= 3, `test_wide should run more than 2 at once, saw ${wide.maxInFlight}`);
    assert.ok(detail.items.every((i) => SUCCESS.has(i.status)));
  });
});

describe('creating runs', () => {
  test("a tool's limit holds across runs executing at once", async () => {
    narrow.script(succeedAfter(40));
    const [a, b] = await Promise.all([
      runs.create({
        case_ids: cases.slice(0, 3),
        tool_ids: ['test_narrow'],
        options: { cache: false, concurrency: 8 },
      }),
      runs.create({
        case_ids: cases.slice(3, 6),
        tool_ids: ['test_narrow'],
        options: { cache: false, concurrency: 8 },
      }),
    ]);
    assert.deepEqual(await Promise.all([executor.execute(a.run.id), executor.execute(b.run.id)]), [
      'finished',
      'finished',
    ]);
    assert.equal(narrow.calls.length, 6);
    assert.ok(
      narrow.maxInFlight <= 2,
      `test_narrow allows 2 at once over all runs, saw ${narrow.maxInFlight}`,
    );
  });

  test('bad tool options are refused before anything is stored', async () => {
    const before = (await runs.list()).length;
    await assert.rejects(
      runs.create({
        case_ids: [cases[0]],
        tool_ids: ['test_wide'],
        options: { tool_options: { test_wide: { level: 9 } } },
      }),
      /Option "level" of tool "test_wide" must be at most 5/,
    );
    await assert.rejects(
      runs.create({
        case_ids: [cases[0]],
        tool_ids: ['test_wide'],
        options: { tool_options: { test_narrow: { level: 1 } } },
      }),
      /tool_options names tool "test_narrow", which is not in this run/,
    );
    await assert.rejects(
      runs.create({ case_ids: ['nope'], tool_ids: ['test_wide'] }),
      /unknown test case "nope"/,
    );
    assert.equal((await runs.list()).length, before);
  });
});

describe('retries', () => {
  test('a retryable failure is tried again until it succeeds, and the attempts are counted', async () => {
    wide.script(failFirst(2, () => failed(retryable('rate_limited', 'Rate limited'))));
    const detail = await runToEnd([cases[0]], ['test_wide'], { max_attempts: 3 });
    const only = item(detail, cases[0]);
    assert.ok(SUCCESS.has(only.status), `status ${only.status}: ${only.error}`);
    assert.equal(only.attempts, 3);
    assert.equal(wide.calls.length, 3);
    assert.equal(only.error, null);
  });

  test('when retries run out the item fails with the last error and the attempt count', async () => {
    wide.script((_input, n) =>
      Promise.resolve(failed(retryable('server_error', `Server answered 503 (call ${n})`))),
    );
    const detail = await runToEnd([cases[0]], ['test_wide'], { max_attempts: 3 });
    const only = item(detail, cases[0]);
    assert.equal(only.status, 'failed');
    assert.equal(only.attempts, 3);
    assert.equal(wide.calls.length, 3);
    assert.match(only.error ?? '', /Server answered 503 \(call 3\)/);
    assert.match(only.error ?? '', /3 attempts/);
  });

  test('a final failure is not retried', async () => {
    wide.script(() => Promise.resolve(failed(final('safety', 'Refused by the safety system'))));
    const detail = await runToEnd([cases[0]], ['test_wide'], { max_attempts: 3 });
    const only = item(detail, cases[0]);
    assert.equal(only.status, 'failed');
    assert.equal(wide.calls.length, 1);
    assert.equal(only.attempts, 1);
    assert.match(only.error ?? '', /Refused by the safety system/);
  });

  test("the provider's retry-after hint is honoured even when the backoff is shorter", async () => {
    const hintMs = 300;
    wide.script(failFirst(1, () => failed(retryable('rate_limited', 'Slow down', hintMs))));
    const detail = await runToEnd([cases[0]], ['test_wide'], { max_attempts: 2, retry_base_ms: 1 });
    assert.ok(SUCCESS.has(item(detail, cases[0]).status));
    assert.equal(wide.calls.length, 2);
    const gap = wide.calls[1].at - wide.calls[0].at;
    // Timers may fire a hair early against performance.now(); the backoff alone would be ~1 ms.
    assert.ok(
      gap >= hintMs - 10,
      `second attempt came ${gap.toFixed(0)} ms after the first; hint was ${hintMs} ms`,
    );
  });
});

describe('timeouts and cancel', () => {
  test('a tool that never answers fails with a timeout message after its attempts', async () => {
    wide.script(ignoreSignalForever);
    const detail = await runToEnd([cases[0]], ['test_wide'], { timeout_ms: 150, max_attempts: 2 });
    const only = item(detail, cases[0]);
    assert.equal(only.status, 'failed');
    assert.equal(wide.calls.length, 2);
    assert.equal(only.attempts, 2);
    assert.match(only.error ?? '', /no image within 150 ms/);
    assert.match(only.error ?? '', /2 attempts/);
  });

  test('canceling mid-run cancels the open items and the run, and calls no queued item', async () => {
    wide.script((input, n) =>
      input.caseId === cases[0] ? succeedAfter(1)(input, n) : hangUntilAborted(input, n),
    );
    const { run } = await runs.create({
      case_ids: cases,
      tool_ids: ['test_wide'],
      options: { cache: false, concurrency: 2 },
    });
    const { scored, unsubscribe } = watchScored();
    const done = executor.execute(run.id);
    await until(
      () => scored.has(cases[0]) && wide.calls.length === 3 && wide.inFlight === 2,
      'the first item scored and two hanging calls',
    );
    unsubscribe();
    await executor.stop(run.id, 'cancel');
    assert.equal(await done, 'canceled');
    const detail = await runs.detail(run.id);
    assert.equal(detail.status, 'canceled');
    assert.ok(
      SUCCESS.has(item(detail, cases[0]).status),
      'the item that finished before the cancel keeps its image',
    );
    for (const caseId of cases.slice(1)) {
      const it = item(detail, caseId);
      assert.equal(it.status, 'canceled', `${caseId} is ${it.status}`);
      assert.match(it.error ?? '', /Canceled/);
    }
    assert.deepEqual(
      wide.calls.map((c) => c.caseId).sort(),
      cases.slice(0, 3),
      'items still queued at the cancel are never handed to the tool',
    );
  });

  test('cancel ends the run even when the tool ignores its abort signal', { timeout: 10_000 }, async () => {
    wide.script(ignoreSignalForever);
    const { run } = await runs.create({
      case_ids: cases.slice(0, 2),
      tool_ids: ['test_wide'],
      options: { cache: false },
    });
    const done = executor.execute(run.id);
    await until(() => wide.inFlight === 2, 'two calls');
    await executor.stop(run.id, 'cancel');
    assert.equal(await done, 'canceled');
    const detail = await runs.detail(run.id);
    assert.deepEqual(
      detail.items.map((i) => i.status),
      ['canceled', 'canceled'],
    );
  });

  test('an interrupted run resumes where it stopped: nothing lost, nothing generated twice', async () => {
    wide.script(succeedAfter(150));
    const { run } = await runs.create({
      case_ids: cases.slice(0, 4),
      tool_ids: ['test_wide'],
      options: { cache: false, concurrency: 1 },
    });
    const { scored, unsubscribe } = watchScored();
    const done = executor.execute(run.id);
    await until(
      () => scored.has(cases[0]) && wide.calls.length === 2,
      'the first item scored, the second call',
    );
    unsubscribe();
    await executor.stop(run.id, 'interrupt');
    assert.equal(await done, 'interrupted');
    const stopped = await runs.detail(run.id);
    assert.ok(SUCCESS.has(item(stopped, cases[0]).status));
    assert.deepEqual(
      stopped.items.slice(1).map((i) => i.status),
      ['queued', 'queued', 'queued'],
      'the in-flight and the waiting items go back to the queue',
    );

    wide.script(succeedAfter(1));
    assert.equal(await executor.execute(run.id), 'finished');
    const detail = await runs.detail(run.id);
    assert.ok(detail.items.every((i) => SUCCESS.has(i.status)));
    assert.deepEqual(
      wide.calls.map((c) => c.caseId),
      cases.slice(1, 4),
      'the resume generates only what was not done',
    );
    const paths = detail.items.map((i) => i.image_path);
    assert.equal(new Set(paths).size, 4);
    for (const p of paths) assert.ok(existsSync(join(data.runs, p!)), `${p} exists`);
    assert.deepEqual(
      filesUnder(data.runs).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

describe('failures stay with their item', () => {
  test('every item ends in a terminal state with a readable error, and the others succeed', async () => {
    const script: Record<string, Behavior> = {
      [cases[0]]: succeedAfter(1),
      [cases[1]]: () => Promise.reject(new Error('kaboom inside the tool')),
      [cases[2]]: () =>
        Promise.resolve<ToolResult>({ ok: true, image: Buffer.from('not an image at all'), meta: {} }),
      [cases[3]]: () => Promise.resolve(failed(final('bad_request', 'The template is too large'))),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a badly written plugin may throw anything
      [cases[4]]: () => Promise.reject({ code: 'E_WEIRD', detail: 'plugin threw an object' }),
      [cases[5]]: succeedAfter(1),
    };
    wide.script((input, n) => script[input.caseId](input, n));
    const detail = await runToEnd(cases, ['test_wide'], { max_attempts: 2 });
    assert.equal(detail.status, 'finished');
    for (const it of detail.items) {
      assert.ok(TERMINAL.has(it.status), `${it.case_id} ended ${it.status}`);
      if (it.status === 'failed') {
        assert.ok(it.error && it.error.length > 10, `${it.case_id} has a readable error: ${it.error}`);
        assert.doesNotMatch(it.error, /undefined|\[object Object\]/, `${it.case_id}: ${it.error}`);
      }
    }
    assert.ok(SUCCESS.has(item(detail, cases[0]).status));
    assert.ok(SUCCESS.has(item(detail, cases[5]).status));
    assert.match(item(detail, cases[1]).error ?? '', /kaboom inside the tool/);
    assert.match(item(detail, cases[2]).error ?? '', /not a readable image/);
    assert.match(item(detail, cases[3]).error ?? '', /too large/);
    assert.match(item(detail, cases[4]).error ?? '', /E_WEIRD|plugin threw an object/);
    for (const caseId of [cases[1], cases[2], cases[3], cases[4]])
      assert.equal(item(detail, caseId).status, 'failed');
    // A throw is a bug in the tool, not a passing condition: it is not retried.
    assert.equal(wide.calls.filter((c) => c.caseId === cases[1]).length, 1);
  });
});

describe('secrets', () => {
  test("a key in a tool's thrown error is redacted before it is stored or published", async () => {
    const key = 'plugin-key-' + 'f00dfeed'.repeat(3);
    process.env.SWAPBENCH_TEST_PLUGIN_TOKEN = key;
    const events: string[] = [];
    const stop = app.get(RunEventBus).subscribe((event) => events.push(JSON.stringify(event)));
    try {
      wide.script(() => Promise.reject(new Error(`upstream said: bad token ${key}`)));
      const detail = await runToEnd(cases.slice(0, 1), ['test_wide']);
      const failed = item(detail, cases[0]);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /bad token \[redacted\]/);
      assert.equal(JSON.stringify(detail).includes(key), false, 'not in the stored run');
      assert.equal(events.join('\n').includes(key), false, 'not in any event');
    } finally {
      stop();
      delete process.env.SWAPBENCH_TEST_PLUGIN_TOKEN;
    }
  });
});

describe('scoring', () => {
  // The order that keeps memory bounded: an answer takes its place among those being scored before it gives
  // back its tool's place, so a fast tool waits for a slow scorer instead of piling up images.
  test('a tool is called again while its last answer is scored, and waits when scoring falls behind', async () => {
    wide.script(succeedAfter(1));
    const scoring = gate();
    evaluator.hold = scoring.promise;
    try {
      const { run } = await runs.create({
        case_ids: cases.slice(0, 4),
        tool_ids: ['test_wide'],
        options: { cache: false, concurrency: 1 },
      });
      const done = executor.execute(run.id);
      await until(() => evaluator.evaluated.length === 1 && wide.calls.length === 2, 'a call during scoring');
      // The second answer holds the tool's place until the first is scored: no third call yet.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(wide.calls.length, 2);
      assert.equal(evaluator.evaluated.length, 1);
      scoring.open();
      assert.equal(await done, 'finished');
      const detail = await runs.detail(run.id);
      assert.ok(detail.items.every((i) => i.status === 'scored'));
      assert.equal(wide.calls.length, 4);
    } finally {
      evaluator.hold = null;
    }
  });

  test('every output is scored; a scoring failure fails only its item and never regenerates it', async () => {
    wide.script(succeedAfter(1));
    evaluator.failFor.add(cases[2]);
    try {
      const detail = await runToEnd(cases.slice(0, 4), ['test_wide']);
      for (const caseId of [cases[0], cases[1], cases[3]]) {
        const it = item(detail, caseId);
        assert.equal(it.status, 'scored');
        assert.equal(it.score, 50);
        assert.deepEqual(it.breakdown, { test: 0.5 });
      }
      const broken = item(detail, cases[2]);
      assert.equal(broken.status, 'failed');
      assert.match(broken.error ?? '', /Scoring failed: no face in tc_03/);
      assert.ok(
        broken.image_path && existsSync(join(data.runs, broken.image_path)),
        'the image of a scoring failure is kept',
      );
      assert.equal(wide.calls.length, 4);
      assert.deepEqual([...evaluator.evaluated].sort(), cases.slice(0, 4));
      assert.deepEqual(detail.progress, { total: 4, done: 4, scored: 3, failed: 1, canceled: 0 });
    } finally {
      evaluator.failFor.clear();
    }
  });

  test("the scorer is handed the digest of each stored output's file", async () => {
    wide.script(succeedAfter(1));
    const detail = await runToEnd(cases.slice(0, 3), ['test_wide']);
    const stored = cases
      .slice(0, 3)
      .map((c) => sourceDigest(readFileSync(join(data.runs, item(detail, c).image_path!))));
    assert.deepEqual([...evaluator.digests].sort(), stored.sort());
  });
});

describe('outputs', () => {
  test('a later run never overwrites an earlier image: it gets a distinct name', async () => {
    const red = await tinyPng();
    const blue = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#2040c0' } })
      .png()
      .toBuffer();
    wide.script(() => Promise.resolve<ToolResult>({ ok: true, image: red, meta: {} }));
    const first = item(await runToEnd([cases[1]], ['test_wide']), cases[1]);
    const firstFile = join(data.runs, first.image_path!);
    const before = sha(firstFile);

    wide.script(() => Promise.resolve<ToolResult>({ ok: true, image: blue, meta: {} }));
    const second = item(await runToEnd([cases[1]], ['test_wide']), cases[1]);
    assert.notEqual(second.image_path, first.image_path);
    assert.equal(sha(firstFile), before, 'the first image is unchanged');
    assert.ok(readFileSync(join(data.runs, second.image_path!)).equals(blue));
    // Sidecars sit beside each image and name their own run.
    const sidecar1 = JSON.parse(readFileSync(firstFile.replace(/\.png$/, '.json'), 'utf8')) as {
      run_id: string;
    };
    const sidecar2 = JSON.parse(
      readFileSync(join(data.runs, second.image_path!.replace(/\.png$/, '.json')), 'utf8'),
    ) as { run_id: string };
    assert.equal(sidecar1.run_id, first.run_id);
    assert.equal(sidecar2.run_id, second.run_id);
    assert.match(first.image_path!, /^\d{4}-\d{2}-\d{2}\/test_wide\/tc_02(-\d+)?\.png$/);
  });

  test('identical inputs reuse the earlier output unless the cache is off', async () => {
    await writeCase(data.datasets, 'cache_case', 77);
    wide.script(succeedAfter(1));
    const first = item(await runToEnd(['cache_case'], ['test_wide'], { cache: true }), 'cache_case');
    assert.equal(first.cached, false);
    assert.equal(wide.calls.length, 1);

    const second = item(await runToEnd(['cache_case'], ['test_wide'], { cache: true }), 'cache_case');
    assert.equal(second.cached, true);
    assert.ok(SUCCESS.has(second.status));
    assert.equal(second.image_path, first.image_path);
    assert.equal(wide.calls.length, 1, 'the tool is not called for a cache hit');

    const otherOptions = item(
      await runToEnd(['cache_case'], ['test_wide'], {
        cache: true,
        tool_options: { test_wide: { level: 4 } },
      }),
      'cache_case',
    );
    assert.equal(otherOptions.cached, false, 'other tool options are other inputs');
    assert.equal(wide.calls.length, 2);

    const uncached = item(await runToEnd(['cache_case'], ['test_wide'], { cache: false }), 'cache_case');
    assert.equal(uncached.cached, false);
    assert.equal(wide.calls.length, 3, '--no-cache generates again');
    assert.notEqual(uncached.image_path, first.image_path);
  });

  test("a run's report images are in the variant cache when it ends; no cache fails nothing", async () => {
    const image = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#a05030' } })
      .png()
      .toBuffer();
    wide.script(() => Promise.resolve<ToolResult>({ ok: true, image, meta: {} }));
    const stored = item(await runToEnd([cases[3]], ['test_wide']), cases[3]);
    assert.ok(SUCCESS.has(stored.status));
    const output = readFileSync(join(data.runs, stored.image_path!));
    const cacheDir = join(data.runs, VARIANT_CACHE_FOLDER);
    const cache = new VariantCache(cacheDir);
    const variants = await cache.output(output);
    await cache.caseImage(readFileSync(join(data.datasets, cases[3], 'template.png')), 'template');
    assert.deepEqual([cache.reused, cache.encoded], [2, 0], 'the runner encoded them and the template');
    const onTheFly = await encodeOutput(output, true);
    assert.ok(variants.thumb.equals(onTheFly.thumb) && variants.full.equals(onTheFly.full));

    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, 'a file where the cache folder should be');
    try {
      const next = item(await runToEnd([cases[3]], ['test_wide']), cases[3]);
      assert.ok(SUCCESS.has(next.status), `${next.status} ${next.error}`);
    } finally {
      rmSync(cacheDir);
    }
  });
});
