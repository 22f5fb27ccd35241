import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CasesService } from '../cases/cases.service';
import { canonicalJson, sha256 } from '../core/hash';
import type { ItemStatus } from '../core/run-events';
import { UserError } from '../core/user-error';
import { ratingFields, type ItemRatings } from '../ratings/ratings-in-force';
import { RatingsService } from '../ratings/ratings.service';
import { toolFingerprint } from '../tools/tool-fingerprint';
import { ToolPrices } from '../tools/tool-prices';
import { ToolRegistry } from '../tools/tools.registry';
import { estimateRun, type RunEstimate } from './run-estimate';
import { findRun } from './run-lookup';
import { RunItem } from './run-item.entity';
import { planVariants, sampleOptions } from './run-plan';
import { MAX_RUN_ITEMS, RUN_DEFAULTS, type RunRequest } from './run-request';
import { Run, runVariants, type RunOptions } from './run.entity';
import { ScorabilityService, type SkippedCase } from './scorability.service';
import {
  progressFromCounts,
  progressOf,
  toItemView,
  toRunView,
  type RunDetail,
  type RunItemView,
  type RunView,
} from './run-views';

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
    private readonly ratings: RatingsService,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly prices: ToolPrices,
    private readonly scorability: ScorabilityService,
  ) {}

  /**
   * What the request would run and cost, checked as `create` checks it but for the scorer's look at the
   * cases (which needs no tool either): nothing is called or stored (`run --dry-run`).
   */
  async estimate(request: RunRequest): Promise<RunEstimate> {
    const { selected, variants, samples } = await this.plan(request);
    this.prices.check();
    return estimateRun(variants, selected.length * samples, this.prices);
  }

  /** The request's cases, variants and samples, checked; a run too large is refused. */
  private async plan(request: RunRequest) {
    const selected = await this.cases.select(request.case_ids);
    const variants = await planVariants(request, this.tools);
    if (variants.length === 0)
      throw new UserError('None of the tools is available; see `swapbench tools` for why.');
    const samples = request.options?.samples ?? RUN_DEFAULTS.samples;
    const size = selected.length * variants.length * samples;
    if (size > MAX_RUN_ITEMS) {
      throw new UserError(`A run may have at most ${MAX_RUN_ITEMS} items; this one would have ${size}.`);
    }
    return { selected, variants, samples };
  }

  /**
   * Validates the request against the cases and tools on disk and stores the run with its queued items.
   * Every case is checked with the scorer first: a case it cannot score is refused (nothing is stored,
   * no tool is called), or left out and listed with `options.skip_unscorable`.
   */
  async create(request: RunRequest, origin: RunOrigin = {}): Promise<CreatedRun> {
    const { selected, variants, samples } = await this.plan(request);
    const given = request.options ?? {};
    const toolOptions = Object.fromEntries(variants.map((v) => [v.label, v.options]));
    const options: RunOptions = {
      concurrency: given.concurrency ?? RUN_DEFAULTS.concurrency,
      cache: given.cache ?? RUN_DEFAULTS.cache,
      maxAttempts: given.max_attempts ?? RUN_DEFAULTS.max_attempts,
      timeoutMs: given.timeout_ms ?? RUN_DEFAULTS.timeout_ms,
      retryBaseMs: given.retry_base_ms ?? RUN_DEFAULTS.retry_base_ms,
      toolOptions,
      variants: variants.map((v) => ({ label: v.label, toolId: v.tool.id })),
      samples,
    };
    const { scorable: cases, skipped } = await this.scorability.screen(selected);
    const skipUnscorable = given.skip_unscorable ?? RUN_DEFAULTS.skip_unscorable;
    if (skipped.length > 0 && (!skipUnscorable || cases.length === 0)) {
      throw new UserError(unscorableMessage(skipped, cases.length === 0 && skipUnscorable));
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
    const run = await findRun(this.runs, runId);
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
    return this.ratings.ofItems(itemIds);
  }

  /** One item, or null when there is none with that id. */
  item(itemId: number): Promise<RunItem | null> {
    return this.items.findOneBy({ id: itemId });
  }

  /**
   * The items of some runs, only those in `statuses` when given; in item order (`position`), or grouped
   * by run first with `byRun`.
   */
  itemsOfRuns(
    runIds: string[],
    options: { statuses?: readonly ItemStatus[]; byRun?: boolean } = {},
  ): Promise<RunItem[]> {
    return this.items.find({
      where: { runId: In(runIds), ...(options.statuses ? { status: In([...options.statuses]) } : {}) },
      order: options.byRun ? { runId: 'ASC', position: 'ASC' } : { position: 'ASC' },
    });
  }

  /** The ids of the runs that have an item of the case, so its folder must be kept for them. */
  async runsUsingCase(caseId: string): Promise<string[]> {
    const rows = await this.items
      .createQueryBuilder('item')
      .select('DISTINCT item.run_id', 'run_id')
      .where('item.case_id = :caseId', { caseId })
      .getRawMany<{ run_id: string }>();
    return rows.map((r) => r.run_id);
  }
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
