import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { SwapEvaluator, type SwapScore } from '../libs/evaluator/swap-evaluator';
import { RatingsModule } from '../libs/ratings/ratings.module';
import { RatingsService } from '../libs/ratings/ratings.service';
import { RunItem } from '../libs/runs/run-item.entity';
import type { RunRequest } from '../libs/runs/run-request';
import { RunsService } from '../libs/runs/runs.service';
import type { ToolAvailability } from '../libs/tools/tool';
import { ToolRegistry } from '../libs/tools/tools.registry';
import { JsonErrorsFilter } from '../libs/web/http/json-errors.filter';
import { SiteModule } from '../libs/web/site/site.module';
import { SettingsModule } from '../libs/core/config/settings.module';
import { makeTempData, writeCases, type TempData } from './support/fixtures';
import { countQueries } from './support/query-counter';
import { ScriptedTool } from './support/test-tools';

/** Accepts every case and never scores: the items' outcomes are written by the test. */
class NoScores extends SwapEvaluator {
  readonly version = 'test';
  unscorable(): Promise<string[]> {
    return Promise.resolve([]);
  }
  evaluate(): Promise<SwapScore> {
    return Promise.reject(new Error('not scored in this test'));
  }
}

/** A tool that counts how often its availability is asked for. */
class AvailabilityProbe extends ScriptedTool {
  readonly id = 'cell_probe';
  readonly concurrency = 1;
  availabilityCalls = 0;
  override availability(): Promise<ToolAvailability> {
    this.availabilityCalls++;
    return super.availability();
  }
}

const VARIANTS = [
  { tool_id: 'cell_probe' },
  { tool_id: 'cell_probe', label: 'spicy', options: { flavour: 'spicy' } },
];

/** What the runner leaves on an item in each state, for the states a cell can show. */
function outcome(status: string, n: number, day: string, item: RunItem): QueryDeepPartialEntity<RunItem> {
  const image = `${day}/${item.toolId}/${item.runId}_${item.caseId}_${item.variant}_${item.sample}.png`;
  switch (status) {
    case 'queued':
      return {};
    case 'generating':
      return { status, attempts: 1, startedAt: '2026-11-30T10:00:00.000Z' };
    case 'generated':
      return { status, attempts: 1, imagePath: image, latencyMs: 900 + n };
    case 'failed':
      return { status, attempts: 3, error: `rate_limited: gave up after 3 attempts (item ${item.id})` };
    case 'canceled':
      return { status, error: 'canceled' };
    default:
      return {
        status: 'scored',
        attempts: 1,
        imagePath: image,
        cached: n % 3 === 1,
        score: 40 + n * 1.5,
        scorerVersion: '2.1.0',
        breakdown: { identity: 0.5 + n / 100, placement: 1, background: 0.9 },
        latencyMs: 1200 + n,
        costUsd: 0.04,
      };
  }
}

describe('one grid cell, read alone (GET /app/runs/:id/items/:itemId)', () => {
  let data: TempData;
  let module: TestingModule;
  let app: INestApplication;
  let source: DataSource;
  let probe: AvailabilityProbe;
  const runs: Record<'samples' | 'single' | 'large', string> = { samples: '', single: '', large: '' };

  /** Creates a run and writes each item's state from `states` (cycled over the items in order). */
  async function makeRun(caseIds: string[], samples: number, states: string[]): Promise<string> {
    const body: RunRequest = { case_ids: caseIds, variants: VARIANTS, options: { samples, cache: false } };
    const { run } = await module.get(RunsService).create(body);
    const items = await source
      .getRepository(RunItem)
      .find({ where: { runId: run.id }, order: { position: 'ASC' } });
    for (const [n, item] of items.entries()) {
      const status = states[n % states.length];
      const patch = outcome(status, n, run.day, item);
      if (Object.keys(patch).length > 0) await source.getRepository(RunItem).update({ id: item.id }, patch);
      if (status === 'scored' && n % 2 === 0) {
        await module.get(RatingsService).rate(item.id, 1 + (n % 5), 'ann');
        await module.get(RatingsService).rate(item.id, 5 - (n % 4), 'bob');
      }
    }
    return run.id;
  }

  before(async () => {
    data = makeTempData('live-cell');
    const caseIds = await writeCases(data.datasets, 5);
    module = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(data.settings), SiteModule, RatingsModule],
    })
      .overrideProvider(SwapEvaluator)
      .useValue(new NoScores())
      .setLogger(false as never)
      .compile();
    app = module.createNestApplication({ logger: false });
    app.useGlobalFilters(new JsonErrorsFilter());
    await app.init();
    probe = new AvailabilityProbe();
    module.get(ToolRegistry).register(probe);
    source = module.get(DataSource);
    // Every state a cell shows, with samples: the strips mix states, some samples rated by two raters.
    runs.samples = await makeRun(caseIds.slice(0, 3), 2, [
      'scored',
      'generating',
      'failed',
      'scored',
      'queued',
      'queued',
      'generated',
      'canceled',
      'scored',
      'failed',
    ]);
    // One sample per cell: no strip.
    runs.single = await makeRun(caseIds.slice(0, 3), 1, ['queued', 'scored', 'failed', 'generated']);
    // 50 items: 5 cases × 2 variants × 5 samples.
    runs.large = await makeRun(caseIds, 5, ['scored', 'failed', 'queued', 'scored', 'generating']);
    // A case removed since its run: its row and cells go by its id.
    rmSync(join(data.datasets, caseIds[2]), { recursive: true, force: true });
  });

  after(async () => {
    await app?.close();
    data?.cleanup();
  });

  /** Each item's cell as the whole panel renders it: the cell of the first sample of its case × variant. */
  async function panelCells(runId: string, query: string): Promise<Map<number, string>> {
    const server = app.getHttpServer();
    const panel = (await request(server).get(`/app/runs/${runId}/grid${query}`).expect(200)).text;
    const items = await source.getRepository(RunItem).find({ where: { runId } });
    const cells = new Map<number, string>();
    for (const item of items) {
      const first = items
        .filter((i) => i.caseId === item.caseId && i.variant === item.variant)
        .reduce((a, b) => (b.sample < a.sample ? b : a));
      const cell = new RegExp(`<td[^>]*data-item-id="${first.id}"[\\s\\S]*?</td>`).exec(panel);
      assert.ok(cell, `the panel of ${runId} has the cell of item ${first.id}`);
      cells.set(item.id, cell[0]);
    }
    return cells;
  }

  for (const [name, query] of [
    ['the app', ''],
    ['a rater', '?rater=ann'],
    ['a blind rater', '?rater=ann&blind=1'],
  ] as const) {
    it(`renders every item's cell exactly as the run's grid does, for ${name}`, async () => {
      const server = app.getHttpServer();
      for (const runId of [runs.samples, runs.single]) {
        const expected = await panelCells(runId, query);
        for (const [itemId, cell] of expected) {
          const alone = await request(server).get(`/app/runs/${runId}/items/${itemId}${query}`).expect(200);
          assert.equal(alone.text, cell, `item ${itemId} of ${runId}${query}`);
        }
      }
    });
  }

  it('the compared cells cover queued, generating, scored, failed, canceled, rated, blind and sampled cells', async () => {
    const samples = [...(await panelCells(runs.samples, '?rater=ann')).values()].join('\n');
    for (const status of ['queued', 'generating', 'generated', 'scored', 'failed', 'canceled'])
      assert.match(samples, new RegExp(`data-status="${status}"`), status);
    assert.match(samples, /data-role="sample-strip"/);
    assert.match(samples, /aria-checked="true"/, 'a rating of the viewer');
    assert.match(samples, /data-role="error"/);
    const single = [...(await panelCells(runs.single, '')).values()].join('\n');
    assert.doesNotMatch(single, /data-role="sample-strip"/);
    const blind = [...(await panelCells(runs.samples, '?rater=ann&blind=1')).values()].join('\n');
    assert.match(blind, /data-tool-id="out\d"/);
    assert.doesNotMatch(blind, /cell_probe|spicy/);
  });

  it('asks no tool for its availability and reads a cell in the same few queries however large the run', async () => {
    const server = app.getHttpServer();
    const calls = probe.availabilityCalls;
    const perCell = async (runId: string) => {
      const items = await source
        .getRepository(RunItem)
        .find({ where: { runId }, order: { position: 'ASC' } });
      const counts = [];
      for (const item of items) {
        counts.push(
          await countQueries(source, () =>
            request(server).get(`/app/runs/${runId}/items/${item.id}?rater=ann`).expect(200),
          ),
        );
      }
      return { items: items.length, counts };
    };
    const small = await perCell(runs.single);
    const large = await perCell(runs.large);
    assert.equal(large.items, 50);
    assert.equal(probe.availabilityCalls, calls, 'no availability call for a cell');
    for (const { counts } of [small, large]) {
      for (const count of counts) {
        // The run, the item with its samples, their ratings.
        assert.ok(count.queries <= 3, `${count.queries} queries: ${count.statements.join(' | ')}`);
      }
    }
    // Rows read: the run, the item's 5 samples and their ratings (2 raters on some) — never the 50 items.
    const most = Math.max(...large.counts.map((c) => c.rows));
    assert.ok(most <= 1 + 5 + 10, `at most ${most} rows for one cell of a 50-item run`);
    const singleMost = Math.max(...small.counts.map((c) => c.rows));
    assert.ok(singleMost <= 1 + 1 + 2, `at most ${singleMost} rows for one cell without samples`);
  });

  it('answers an item of another run or a missing one with 404, a malformed id with 400', async () => {
    const server = app.getHttpServer();
    const other = await source.getRepository(RunItem).findOneByOrFail({ runId: runs.large });
    const res = await request(server).get(`/app/runs/${runs.single}/items/${other.id}`).expect(404);
    assert.match(res.body.error, /has no item/);
    assert.match(
      (await request(server).get(`/app/runs/nope/items/${other.id}`).expect(404)).body.error,
      /Unknown run/,
    );
    await request(server).get(`/app/runs/${runs.single}/items/1.5`).expect(400);
  });
});
