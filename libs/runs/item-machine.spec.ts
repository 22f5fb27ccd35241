import 'reflect-metadata';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { TestingModule } from '@nestjs/testing';
import type { Repository } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import type { TestCase } from '../cases/test-case';
import { RunEventBus } from '../core/event-bus';
import type { ItemStatus, RunEvent } from '../core/run-events';
import { makeTempData, writeCases } from '../../test/support/fixtures';
import { ScriptedEvaluator, succeedAfter, WideTool, runsTestModule } from '../../test/support/test-tools';
import { ItemLifecycle } from './item-lifecycle';
import {
  IllegalTransition,
  ItemMachine,
  ItemMoved,
  RunTally,
  transition,
  type ItemEvent,
} from './item-machine';
import { OutputStore, sidecarPath } from './output-store';
import { RunItem } from './run-item.entity';
import type { Run } from './run.entity';
import { RunsService } from './runs.service';

const data = makeTempData('item-machine');
let app: TestingModule;
let runs: RunsService;
let items: Repository<RunItem>;
let bus: RunEventBus;
let wide: WideTool;
let cases: TestCase[];
const evaluator = new ScriptedEvaluator();

before(async () => {
  await writeCases(data.datasets, 3, 'im');
  app = await runsTestModule(data.settings, evaluator);
  runs = app.get(RunsService);
  items = app.get(getRepositoryToken(RunItem));
  bus = app.get(RunEventBus);
  wide = app.get(WideTool);
  cases = (await app.get(CasesService).list()).cases;
});

after(async () => {
  await app?.close();
  data.cleanup();
});

/** A new run of every case with the wide tool, not executed: its run row and its queued items. */
async function newRun(): Promise<{ run: Run; queued: RunItem[] }> {
  const { run } = await runs.create({
    case_ids: cases.map((c) => c.id),
    tool_ids: ['test_wide'],
    options: { cache: false, retry_base_ms: 1 },
  });
  return { run, queued: await items.find({ where: { runId: run.id }, order: { position: 'ASC' } }) };
}

function machineFor(queued: RunItem[]): ItemMachine {
  return new ItemMachine(items, bus, RunTally.of(queued.map((i) => i.status)));
}

/** The events published while `work` runs. */
async function published<T>(work: () => Promise<T>): Promise<{ result: T; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const stop = bus.subscribe((event) => events.push(event));
  try {
    return { result: await work(), events };
  } finally {
    stop();
  }
}

const STATUSES: ItemStatus[] = [
  'queued',
  'generating',
  'generated',
  'evaluating',
  'scored',
  'failed',
  'canceled',
];

/** One event of each type, with what it brings. */
function everyEvent(from: RunItem): ItemEvent[] {
  const score = { score: 70, breakdown: { test: 0.7 }, scorerVersion: 'v' };
  return [
    { type: 'start', attempt: 1, imagePath: 'day/tool/case.png' },
    { type: 'retry', attempt: 1, error: 'busy', code: 'rate_limited' },
    { type: 'generated', latencyMs: 5, costUsd: null, meta: {} },
    { type: 'found_output' },
    { type: 'reused', from },
    { type: 'evaluate' },
    { type: 'scored', ...score },
    { type: 'rescored', ...score },
    { type: 'rescore_failed', error: 'Scoring failed: no face', scorerVersion: 'v' },
    { type: 'fail', error: 'broken', code: 'server' },
    { type: 'cancel' },
    { type: 'interrupt' },
    { type: 'requeue' },
  ];
}

describe('the transition table', () => {
  test('each status takes exactly the events the table allows, and ends where it says', () => {
    const base = { id: 1, imagePath: 'day/tool/case.png', error: 'Scoring failed: x', score: 50 } as RunItem;
    const earlier = { ...base, id: 0, status: 'scored' } as RunItem;
    const seen: Record<string, string> = {};
    for (const status of STATUSES) {
      for (const event of everyEvent(earlier)) {
        try {
          seen[`${status} ${event.type}`] = transition({ ...base, status }, event, 'now').status;
        } catch (error) {
          assert.ok(error instanceof IllegalTransition, `${status} ${event.type}: ${String(error)}`);
        }
      }
    }
    assert.deepEqual(seen, {
      'queued start': 'generating',
      'queued found_output': 'generated',
      'queued reused': 'scored',
      'queued fail': 'failed',
      'queued cancel': 'canceled',
      'queued interrupt': 'queued',
      'generating start': 'generating',
      'generating retry': 'generating',
      'generating generated': 'generated',
      'generating found_output': 'generated',
      'generating reused': 'scored',
      'generating fail': 'failed',
      'generating cancel': 'canceled',
      'generating interrupt': 'queued',
      'generated evaluate': 'evaluating',
      'generated fail': 'failed',
      'generated cancel': 'canceled',
      'generated interrupt': 'generated',
      'evaluating evaluate': 'evaluating',
      'evaluating scored': 'scored',
      'evaluating fail': 'failed',
      'evaluating cancel': 'canceled',
      'evaluating interrupt': 'generated',
      'scored rescored': 'scored',
      'scored rescore_failed': 'failed',
      'failed rescored': 'scored',
      'failed rescore_failed': 'failed',
      'failed requeue': 'queued',
    });
  });

  test('guards refuse what the status alone would allow', () => {
    const queued = { id: 1, status: 'queued', imagePath: null } as RunItem;
    assert.throws(() => transition(queued, { type: 'start', attempt: 1 }, 'now'), /claimed for its image/);
    const failedAtTool = { id: 2, status: 'failed', imagePath: 'a.png', error: 'tool down' } as RunItem;
    const rescore = { type: 'rescored', score: 1, breakdown: {}, scorerVersion: 'v' } as const;
    assert.throws(() => transition(failedAtTool, rescore, 'now'), /no scored output/);
  });

  test('each way of failing writes its code, and every failed attempt is kept in order', () => {
    const generating = {
      id: 1,
      status: 'generating',
      attempts: 1,
      imagePath: 'a.png',
      attemptFailures: null,
    } as RunItem;
    const first = transition(
      generating,
      { type: 'retry', attempt: 1, error: 'slow down', code: 'rate_limited' },
      't1',
    );
    assert.equal(first.changes.errorCode, 'rate_limited');
    const retried = { ...generating, ...first.changes, attempts: 2 };
    const refused = { type: 'fail', error: 'Refused', code: 'refused', attemptFailed: true } as const;
    const last = transition(retried, refused, 't2');
    assert.equal(last.status, 'failed');
    assert.equal(last.changes.errorCode, 'refused');
    assert.deepEqual(last.changes.attemptFailures, [
      { attempt: 1, code: 'rate_limited', message: 'slow down', at: 't1' },
      { attempt: 2, code: 'refused', message: 'Refused', at: 't2' },
    ]);
    // A failure of the run's own (a case gone) is no attempt of the tool: the history is left as it is.
    const gone = transition(retried, { type: 'fail', error: 'case gone', code: 'other' }, 't3');
    assert.equal(gone.changes.attemptFailures, undefined);
    assert.equal(transition(generating, { type: 'cancel' }, 't').changes.errorCode, 'canceled');
    const scored = { id: 3, status: 'scored', imagePath: 'a.png', score: 50 } as RunItem;
    const rescoreFailed = {
      type: 'rescore_failed',
      error: 'Scoring failed: no face',
      scorerVersion: 'v',
    } as const;
    assert.equal(transition(scored, rescoreFailed, 't').changes.errorCode, 'unscorable');
    // Whatever ends an item well clears its code; a requeue clears it and keeps the history.
    const generated = { type: 'generated', latencyMs: 1, costUsd: null, meta: {} } as const;
    assert.equal(transition(retried, generated, 't').changes.errorCode, null);
    const failed = { ...retried, ...last.changes, status: 'failed' } as RunItem;
    const requeued = transition(failed, { type: 'requeue' }, 't');
    assert.equal(requeued.changes.errorCode, null);
    assert.equal(requeued.changes.attemptFailures, undefined, 'the history stays');
  });

  test('an error is stored with the secrets of the environment redacted', () => {
    process.env.SWAPBENCH_TEST_MACHINE_KEY = 'sk-machine-0123456789abcdef';
    try {
      const { changes } = transition(
        { id: 1, status: 'generating' } as RunItem,
        {
          type: 'fail',
          error: 'denied for key sk-machine-0123456789abcdef',
          code: 'auth',
          attemptFailed: true,
        },
        'now',
      );
      assert.doesNotMatch(changes.error ?? '', /0123456789abcdef/);
      assert.doesNotMatch(JSON.stringify(changes.attemptFailures), /0123456789abcdef/);
    } finally {
      delete process.env.SWAPBENCH_TEST_MACHINE_KEY;
    }
  });
});

describe('the machine', () => {
  test('an event is stored before it is published', async () => {
    const { queued } = await newRun();
    const machine = machineFor(queued);
    const rowsAtEvent: Array<Promise<RunItem | null>> = [];
    const eventStatuses: string[] = [];
    const stop = bus.subscribe((event) => {
      if (event.type !== 'update' || event.item_id !== queued[0].id) return;
      eventStatuses.push(event.status);
      // Read at once: with the event published before the write, this read comes first and sees the old row.
      rowsAtEvent.push(items.findOneBy({ id: queued[0].id }));
    });
    try {
      const item = await machine.apply(queued[0], { type: 'start', attempt: 1, imagePath: 'x/im_a.png' });
      await machine.apply(item, { type: 'fail', error: 'broken', code: 'other' });
    } finally {
      stop();
    }
    const rows = await Promise.all(rowsAtEvent);
    assert.deepEqual(eventStatuses, ['generating', 'failed']);
    assert.deepEqual(
      rows.map((r) => r?.status),
      eventStatuses,
    );
  });

  test('of two processes moving one item from the same state, one wins and the other is told', async () => {
    const { queued } = await newRun();
    const [first, second] = [machineFor(queued), machineFor(queued)];
    const outcomes = await Promise.allSettled([
      first.apply(queued[0], { type: 'start', attempt: 1, imagePath: 'x/im_race.png' }),
      second.apply(queued[0], { type: 'cancel' }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const lost = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as unknown);
    assert.equal(won.length, 1);
    assert.ok(lost.length === 1 && lost[0] instanceof ItemMoved);
    const row = await items.findOneByOrFail({ id: queued[0].id });
    assert.equal(row.status, won[0].status);
    assert.equal(row.imagePath, won[0].imagePath);
  });

  test('an event the table refuses writes nothing and publishes nothing', async () => {
    const { queued } = await newRun();
    const machine = machineFor(queued);
    const { events } = await published(() =>
      assert.rejects(
        machine.apply(queued[0], { type: 'scored', score: 99, breakdown: {}, scorerVersion: 'v' }),
        IllegalTransition,
      ),
    );
    assert.deepEqual(events, []);
    const row = await items.findOneByOrFail({ id: queued[0].id });
    assert.equal(row.status, 'queued');
    assert.equal(row.score, null);
  });

  test('a change to a whole run moves only the items it may, and the progress counts them', async () => {
    const { run, queued } = await newRun();
    const machine = machineFor(queued);
    await machine.apply(queued[0], { type: 'fail', error: 'broken', code: 'other' });
    const { result: canceled, events } = await published(() => machine.applyToRun(run.id, 'cancel'));
    assert.equal(canceled, 2);
    assert.deepEqual(
      events.map((e) => (e.type === 'update' ? [e.item_id, e.status] : e.type)),
      [
        [queued[1].id, 'canceled'],
        [queued[2].id, 'canceled'],
      ],
    );
    assert.deepEqual(machine.progress(), { total: 3, done: 3, scored: 0, failed: 1, canceled: 2 });
    const loaded = await RunTally.load(items, run.id);
    assert.deepEqual(loaded.progress(), machine.progress());
    assert.equal(await machine.applyToRun(run.id, 'requeue'), 1);
    assert.deepEqual((await RunTally.load(items, run.id)).progress(), {
      total: 3,
      done: 2,
      scored: 0,
      failed: 0,
      canceled: 2,
    });
  });
});

/**
 * The store of an item's files, recording what the database says of the item at the moment each file
 * is written: the moment a process could die with that file on disk.
 */
class WatchedStore extends OutputStore {
  readonly writes: Array<{ file: 'image' | 'sidecar'; row: ItemStatus; sidecarThere: boolean }> = [];

  private async note(file: 'image' | 'sidecar', path: string): Promise<void> {
    const row = await items.findOneByOrFail({ imagePath: path });
    this.writes.push({ file, row: row.status, sidecarThere: existsSync(this.absolute(sidecarPath(path))) });
  }

  override async writeImage(path: string, image: Buffer): Promise<Buffer> {
    await this.note('image', path);
    return super.writeImage(path, image);
  }

  override async writeSidecar(path: string, sidecar: object): Promise<void> {
    await this.note('sidecar', path);
    return super.writeSidecar(path, sidecar);
  }
}

/** One item taken through its steps by a lifecycle over a watched store. */
async function lifecycleOf(run: Run, queued: RunItem[]) {
  const store = new WatchedStore(data.settings.runs);
  const lifecycle = new ItemLifecycle(run, items, store, machineFor(queued));
  const signal = new AbortController().signal;
  const testCase = (item: RunItem) => cases.find((c) => c.id === item.caseId)!;
  return { store, lifecycle, signal, testCase };
}

describe('the orders that keep a resume safe', () => {
  test("an item's image name is claimed, in the row, before its tool is called", async () => {
    const { run, queued } = await newRun();
    const { lifecycle, signal, testCase } = await lifecycleOf(run, queued);
    const rowsAtCall: Array<RunItem | null> = [];
    wide.script(async (input, n) => {
      rowsAtCall.push(await items.findOneBy({ runId: run.id, caseId: input.caseId }));
      return succeedAfter(1)(input, n);
    });
    const { item, answer } = await lifecycle.generate(queued[0], wide, testCase(queued[0]), signal);
    assert.ok(answer);
    assert.equal(rowsAtCall[0]?.status, 'generating');
    assert.ok(rowsAtCall[0]?.imagePath, 'the name is in the row when the tool is called');
    assert.equal(rowsAtCall[0]?.imagePath, item.imagePath);
  });

  test('two processes that claim a name at once get two names (the unique index decides)', async () => {
    const [a, b] = [await newRun(), await newRun()];
    const started: string[] = [];
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    wide.script(async (input, n) => {
      started.push(input.caseId);
      if (started.length === 2) release();
      await both;
      return succeedAfter(1)(input, n);
    });
    // Neither image is on disk while both claim: only the database can keep the names apart.
    const [ga, gb] = await Promise.all(
      [a, b].map(async ({ run, queued }) => {
        const { lifecycle, signal, testCase } = await lifecycleOf(run, queued);
        return lifecycle.generate(queued[0], wide, testCase(queued[0]), signal);
      }),
    );
    assert.ok(ga.item.imagePath && gb.item.imagePath);
    assert.notEqual(ga.item.imagePath, gb.item.imagePath);
  });

  test("a tool's answer is stored sidecar first, then the image, and only then does the row say generated", async () => {
    const { run, queued } = await newRun();
    const { store, lifecycle, signal, testCase } = await lifecycleOf(run, queued);
    wide.script(succeedAfter(1));
    const tc = testCase(queued[0]);
    const { item, answer } = await lifecycle.generate(queued[0], wide, tc, signal);
    const kept = await lifecycle.keep(item, wide, tc, answer!);
    assert.equal(kept.status, 'generated');
    assert.deepEqual(store.writes, [
      { file: 'sidecar', row: 'generating', sidecarThere: false },
      { file: 'image', row: 'generating', sidecarThere: true },
    ]);
  });

  test('a score is written to the sidecar before the row says scored', async () => {
    const { run, queued } = await newRun();
    const { store, lifecycle, signal, testCase } = await lifecycleOf(run, queued);
    wide.script(succeedAfter(1));
    const tc = testCase(queued[0]);
    const { item, answer } = await lifecycle.generate(queued[0], wide, tc, signal);
    const kept = await lifecycle.keep(item, wide, tc, answer!);
    store.writes.length = 0;
    const scored = await lifecycle.evaluate(kept, evaluator, tc, signal);
    assert.equal(scored.status, 'scored');
    assert.deepEqual(store.writes, [{ file: 'sidecar', row: 'evaluating', sidecarThere: true }]);
  });
});
