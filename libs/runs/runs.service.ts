import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CasesService } from '../cases/cases.service';
import { canonicalJson, sha256 } from '../core/hash';
import type { ItemStatus, RunProgress } from '../core/run-events';
import { UserError } from '../core/user-error';
import { HumanScore } from '../ratings/human-score.entity';
import { ratingFields, ratingsInForce, type ItemRatings } from '../ratings/ratings-in-force';
import { toolFingerprint } from '../tools/tool-fingerprint';
import { ToolRegistry } from '../tools/tools.registry';
import { runsUrl } from './output-store';
import { RunItem } from './run-item.entity';
import { planVariants, sampleOptions } from './run-plan';
import { MAX_RUN_ITEMS, type RunRequest } from './run-request';
import { Run, runVariants, type RunOptions } from './run.entity';
import { ScorabilityService, type SkippedCase } from './scorability.service';
import type { RunDetail, RunItemView, RunView } from './run-views';

/** A stored run, and the selected cases it left out because the scorer cannot score them. */
export interface CreatedRun {
  run: Run;
  skipped: SkippedCase[];
}

/** Where a run's request came from, kept with the run: a suite file's path and content hash. */
export interface RunOrigin {
  suitePath?: string;
  suiteHash?: string;
}

/** What one grid cell shows: an item, the samples of its case × variant, and the run's columns. */
export interface RunCellItems {
  variants: RunView['variants'];
  item: RunItemView;
  /** Every sample of the item's case × variant, the item among them, in sample order. */
  samples: RunItemView[];
}

/** One run-creating transaction at a time in this process. */
const storingRuns = pLimit(1);

/** Creates runs and reads them back in the shapes the API, CLI and report share. Execution is RunExecutor's. */
@Injectable()
export class RunsService {
  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    @InjectRepository(HumanScore) private readonly ratings: Repository<HumanScore>,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly scorability: ScorabilityService,
  ) {}

  /**
   * Validates the request against the cases and tools on disk and stores the run with its queued items.
   * Every case is checked with the scorer first: a case it cannot score is refused (nothing is stored,
   * no tool is called), or left out and listed with `options.skip_unscorable`.
   */
  async create(request: RunRequest, origin: RunOrigin = {}): Promise<CreatedRun> {
    const selected = await this.cases.select(request.case_ids);
    const variants = await planVariants(request, this.tools);
    if (variants.length === 0)
      throw new UserError('None of the tools is available; see `swapbench tools` for why.');
    const given = request.options ?? {};
    const samples = given.samples ?? 1;
    const size = selected.length * variants.length * samples;
    if (size > MAX_RUN_ITEMS) {
      throw new UserError(`A run may have at most ${MAX_RUN_ITEMS} items; this one would have ${size}.`);
    }
    const toolOptions = Object.fromEntries(variants.map((v) => [v.label, v.options]));
    const options: RunOptions = {
      concurrency: given.concurrency ?? 4,
      cache: given.cache ?? true,
      maxAttempts: given.max_attempts ?? 3,
      timeoutMs: given.timeout_ms ?? null,
      retryBaseMs: given.retry_base_ms ?? 1000,
      toolOptions,
      variants: variants.map((v) => ({ label: v.label, toolId: v.tool.id })),
      samples,
    };
    const { scorable: cases, skipped } = await this.scorability.screen(selected);
    if (skipped.length > 0 && (!given.skip_unscorable || cases.length === 0)) {
      throw new UserError(unscorableMessage(skipped, cases.length === 0 && given.skip_unscorable === true));
    }
    const fingerprints = new Map<string, string>();
    for (const v of variants)
      if (!fingerprints.has(v.tool.id)) fingerprints.set(v.tool.id, await toolFingerprint(v.tool));
    const now = new Date();
    const run = this.runs.create({
      id: newRunId(now),
      status: 'running',
      caseIds: cases.map((c) => c.id),
      toolIds: [...new Set(variants.map((v) => v.tool.id))],
      options,
      day: now.toISOString().slice(0, 10),
      createdAt: now.toISOString(),
      finishedAt: null,
      heartbeatAt: null,
      owner: null,
      suitePath: origin.suitePath ?? null,
      suiteHash: origin.suiteHash ?? null,
    });
    // SQLite has one connection here: a second BEGIN while one is open fails ("cannot start a transaction
    // within a transaction"), so two runs created at once (two API requests) must take turns.
    await storingRuns(() =>
      this.runs.manager.transaction(async (tx) => {
        await tx.save(run);
        let position = 0;
        const rows = cases.flatMap((c) =>
          variants.flatMap((v) =>
            Array.from(
              { length: samples },
              (_, sample) =>
                ({
                  runId: run.id,
                  position: position++,
                  caseId: c.id,
                  toolId: v.tool.id,
                  variant: v.label,
                  sample,
                  status: 'queued' as ItemStatus,
                  cacheKey: sha256(
                    c.contentHash,
                    v.tool.id,
                    canonicalJson(sampleOptions(v.tool, v.options, sample)),
                    fingerprints.get(v.tool.id)!,
                    `sample:${sample}`,
                  ),
                  cached: false,
                  imagePath: null,
                  attempts: 0,
                }) satisfies QueryDeepPartialEntity<RunItem>,
            ),
          ),
        );
        for (let i = 0; i < rows.length; i += 200) await tx.insert(RunItem, rows.slice(i, i + 200));
      }),
    );
    return { run, skipped };
  }

  async list(limit = 200): Promise<RunView[]> {
    const runs = await this.runs.find({ order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
    if (runs.length === 0) return [];
    const counts: Array<{ run_id: string; status: ItemStatus; n: number }> = await this.items
      .createQueryBuilder('i')
      .select('i.run_id', 'run_id')
      .addSelect('i.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where({ runId: In(runs.map((r) => r.id)) })
      .groupBy('i.run_id')
      .addGroupBy('i.status')
      .getRawMany();
    return runs.map((run) => {
      const byStatus = new Map<ItemStatus, number>();
      for (const c of counts) if (c.run_id === run.id) byStatus.set(c.status, Number(c.n));
      return toRunView(run, progressFromCounts(byStatus));
    });
  }

  async get(runId: string): Promise<Run> {
    const run =
      typeof runId === 'string' && runId.length <= 64 ? await this.runs.findOneBy({ id: runId }) : null;
    if (!run) throw new UserError(`Unknown run "${String(runId).slice(0, 64)}"`, 404);
    return run;
  }

  /** The run with its items; `rater` fills each item's `my_stars` with that rater's own rating. */
  async detail(runId: string, rater?: string): Promise<RunDetail> {
    const run = await this.get(runId);
    const items = await this.items.find({ where: { runId: run.id }, order: { position: 'ASC' } });
    const ratings = await this.ratingsOf(items.map((i) => i.id));
    return {
      ...toRunView(run, progressOf(items.map((i) => i.status))),
      items: items.map((item) => toItemView(item, ratingFields(ratings.get(item.id), rater))),
    };
  }

  /**
   * One item and every sample of its case × variant (sample order, the item among them), with the run's
   * variants: what one grid cell shows, read without the rest of the run. `rater` fills `my_stars`.
   */
  async cellItems(runId: string, itemId: number, rater?: string): Promise<RunCellItems> {
    const run = await this.get(runId);
    const rows = await this.items
      .createQueryBuilder('i')
      .where('i.run_id = :runId', { runId: run.id })
      .andWhere(
        '(i.case_id, i.variant) = (SELECT o.case_id, o.variant FROM run_items o WHERE o.id = :itemId AND o.run_id = :runId)',
        { itemId },
      )
      .orderBy('i.sample', 'ASC')
      .addOrderBy('i.position', 'ASC')
      .getMany();
    const ratings = await this.ratingsOf(rows.map((i) => i.id));
    const views = rows.map((row) => toItemView(row, ratingFields(ratings.get(row.id), rater)));
    const item = views.find((v) => v.id === itemId);
    if (!item) throw new UserError(`Run "${run.id}" has no item ${itemId}`, 404);
    return {
      variants: runVariants(run).map((v) => ({ label: v.label, tool_id: v.toolId })),
      item,
      samples: views.filter((v) => v.variant === item.variant),
    };
  }

  /** The ratings in force per item (one per rater). */
  private async ratingsOf(itemIds: number[]): Promise<Map<number, ItemRatings>> {
    const rows: HumanScore[] = [];
    for (let i = 0; i < itemIds.length; i += 500) {
      rows.push(...(await this.ratings.find({ where: { runItemId: In(itemIds.slice(i, i + 500)) } })));
    }
    return ratingsInForce(rows);
  }
}

export function progressOf(statuses: ItemStatus[]): RunProgress {
  const byStatus = new Map<ItemStatus, number>();
  for (const status of statuses) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  return progressFromCounts(byStatus);
}

/** Progress from the number of items in each status. */
function progressFromCounts(byStatus: Map<ItemStatus, number>): RunProgress {
  const scored = byStatus.get('scored') ?? 0;
  const failed = byStatus.get('failed') ?? 0;
  const canceled = byStatus.get('canceled') ?? 0;
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return { total, done: scored + failed + canceled, scored, failed, canceled };
}

type ItemRatingFields = ReturnType<typeof ratingFields>;

function toRunView(run: Run, progress: RunProgress): RunView {
  return {
    id: run.id,
    status: run.status,
    created_at: run.createdAt,
    finished_at: run.finishedAt,
    case_ids: run.caseIds,
    tool_ids: run.toolIds,
    variants: runVariants(run).map((v) => ({ label: v.label, tool_id: v.toolId })),
    samples: run.options.samples ?? 1,
    suite_path: run.suitePath ?? null,
    suite_hash: run.suiteHash ?? null,
    options: run.options,
    progress,
  };
}

export function toItemView(item: RunItem, rating: ItemRatingFields = ratingFields(undefined)): RunItemView {
  const model = item.meta && typeof item.meta.model === 'string' ? item.meta.model : null;
  return {
    id: item.id,
    run_id: item.runId,
    case_id: item.caseId,
    tool_id: item.toolId,
    variant: item.variant || item.toolId,
    sample: item.sample ?? 0,
    status: item.status,
    image_url: item.status === 'queued' || item.status === 'generating' ? null : runsUrl(item.imagePath),
    image_path: item.status === 'queued' || item.status === 'generating' ? null : item.imagePath,
    score: item.score,
    breakdown: item.breakdown,
    scorer_version: item.scorerVersion,
    error: item.error,
    cached: item.cached,
    stars: rating.stars,
    stars_n: rating.stars_n,
    my_stars: rating.my_stars,
    ratings: rating.ratings,
    attempts: item.attempts,
    latency_ms: item.latencyMs,
    cost_usd: item.costUsd,
    model,
    started_at: item.startedAt,
    finished_at: item.finishedAt,
  };
}

/** Why a run was refused: every unscorable case with its problems, and how to go on. */
function unscorableMessage(skipped: SkippedCase[], noneLeft: boolean): string {
  const cases = skipped.map((s) => `case "${s.case_id}": ${s.reason}`).join('; ');
  if (noneLeft) return `None of the selected cases can be scored, so nothing was run. ${cases}.`;
  return (
    `The scorer cannot score ${skipped.length === 1 ? 'one of the selected cases' : `${skipped.length} of the selected cases`}, ` +
    `so nothing was run and no tool was called. ${cases}. Fix or remove ${skipped.length === 1 ? 'it' : 'them'}, ` +
    'or run the other cases with --skip-unscorable (CLI) or options.skip_unscorable: true (API).'
  );
}

/** Run ids sort by time and read well: `r20261127-095541-3fa2`. */
function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `r${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The event fields of an item view (everything but `type` and `progress`). */
export function eventFields(view: RunItemView) {
  return {
    run_id: view.run_id,
    item_id: view.id,
    case_id: view.case_id,
    tool_id: view.tool_id,
    variant: view.variant,
    sample: view.sample,
    status: view.status,
    image_url: view.image_url,
    score: view.score,
    breakdown: view.breakdown,
    error: view.error,
    cached: view.cached,
  };
}
