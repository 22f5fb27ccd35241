import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import pLimit from 'p-limit';
import { Repository } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import type { TestCase } from '../cases/test-case';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { SharedFiles } from '../database/shared-files';
import { UserError } from '../core/user-error';
import { SwapEvaluator, type SwapScore } from '../evaluator/swap-evaluator';
import { isRescorable, ItemMachine, RunTally } from './item-machine';
import { OutputStore } from './output-store';
import { findRun } from './run-lookup';
import { RunItem } from './run-item.entity';
import { Run } from './run.entity';

/** One item scored again (or whose new scoring failed). */
export interface RescoredItem {
  id: number;
  case_id: string;
  tool_id: string;
  /** The score before, null when the item had none (it had failed at scoring). */
  old_score: number | null;
  /** The score now, null when this scoring failed. */
  score: number | null;
  scorer_version: string | null;
  /** Why the item could not be scored again, or null. */
  error: string | null;
}

/**
 * What a rescore did to one run: `rescored` items now carry the current scorer's score, `unchanged` ones
 * were left as they were (already at the current version, or nothing to score: no image), `failed` ones
 * could not be scored again (listed in `items` with the error).
 */
export interface RescoreResult {
  run_id: string;
  rescored: number;
  unchanged: number;
  failed: number;
  items: RescoredItem[];
}

/** Items done and to do within one run's rescore, for a progress bar. */
export interface RescoreProgress {
  runId: string;
  done: number;
  total: number;
  /** The item just finished, as `case × tool: score`. */
  last: string;
}

/** Items scored at once; the face analysis itself is spread over the worker threads. */
const RESCORE_CONCURRENCY = 4;

/**
 * Scores the stored outputs of finished runs again with the current scorer. No tool is called and no
 * file is written: only an item's score, breakdown, scorer version and (for an item that had failed at
 * scoring) status and error change. An item already at the current version is left alone, so a rescore
 * that was interrupted finishes with a second call, like a run with `--resume`.
 */
@Injectable()
export class RescoreService {
  private readonly store: OutputStore;

  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    private readonly cases: CasesService,
    private readonly evaluator: SwapEvaluator,
    private readonly bus: RunEventBus,
    files: SharedFiles,
    settings: SwapbenchSettings,
  ) {
    // In team mode the outputs were stored by the workers: `exists` fetches each into this folder.
    this.store = new OutputStore(settings.runs, files);
  }

  /** The current scorer's version, which rescored items get. */
  get version(): string {
    return this.evaluator.version;
  }

  /**
   * The run to rescore, checked: an unknown id says how to list runs, and a running run is refused
   * (its items are still being scored by the process that runs it).
   */
  async runToRescore(runId: string): Promise<Run> {
    const run = await findRun(this.runs, runId);
    if (!run) {
      throw new UserError(
        `Unknown run "${runId.slice(0, 64)}". List the runs with \`swapbench runs\` (or rescore them all with --all).`,
        404,
      );
    }
    if (run.status === 'running') {
      throw new UserError(
        `Run ${run.id} is running: rescore it when it has ended (a run whose process died ends with ` +
          `\`swapbench run --resume ${run.id}\`).`,
        409,
      );
    }
    return run;
  }

  /** Every run that can be rescored now (not running), oldest first, and the running ones left out. */
  async allRuns(): Promise<{ runs: Run[]; running: Run[] }> {
    const all = await this.runs.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return {
      runs: all.filter((r) => r.status !== 'running'),
      running: all.filter((r) => r.status === 'running'),
    };
  }

  /** Scores the run's stored outputs again; stops between items (and drops the one under way) on `signal`. */
  async rescore(
    run: Run,
    onProgress: (progress: RescoreProgress) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<RescoreResult> {
    const version = this.evaluator.version;
    const all = await this.items.find({ where: { runId: run.id }, order: { position: 'ASC' } });
    const due = all.filter((item) => isRescorable(item) && item.scorerVersion !== version);
    const result: RescoreResult = {
      run_id: run.id,
      rescored: 0,
      unchanged: all.length - due.length,
      failed: 0,
      items: [],
    };
    const casesById = await this.loadCases(run.caseIds);
    const machine = new ItemMachine(this.items, this.bus, RunTally.of(all.map((item) => item.status)));
    // A cached item points at an earlier item's image: the same image of the same case is scored once.
    const scores = new Map<string, Promise<SwapScore>>();
    const limit = pLimit(RESCORE_CONCURRENCY);
    let done = 0;
    onProgress({ runId: run.id, done, total: due.length, last: `run ${run.id}` });
    const outcomes = await Promise.all(
      due.map((item) =>
        limit(async () => {
          if (signal?.aborted) return null;
          const outcome = await this.rescoreItem(item, machine, casesById, scores, version, signal);
          if (outcome) {
            done++;
            const shown = outcome.score === null ? 'failed' : outcome.score.toFixed(1);
            onProgress({
              runId: run.id,
              done,
              total: due.length,
              last: `${item.caseId} × ${item.toolId}: ${shown}`,
            });
          }
          return outcome;
        }),
      ),
    );
    for (const outcome of outcomes) {
      if (!outcome) continue;
      result.items.push(outcome);
      if (outcome.error === null) result.rescored++;
      else result.failed++;
    }
    return result;
  }

  /** Scores one item again and stores the outcome; null when stopped before it was stored. */
  private async rescoreItem(
    item: RunItem,
    machine: ItemMachine,
    casesById: Map<string, TestCase | string>,
    scores: Map<string, Promise<SwapScore>>,
    version: string,
    signal?: AbortSignal,
  ): Promise<RescoredItem | null> {
    const outcome: RescoredItem = {
      id: item.id,
      case_id: item.caseId,
      tool_id: item.toolId,
      old_score: item.score,
      score: null,
      scorer_version: item.scorerVersion,
      error: null,
    };
    const testCase = casesById.get(item.caseId);
    // Nothing stored changes when the case or the image is gone: the old score stays what it was.
    if (typeof testCase !== 'object') {
      return {
        ...outcome,
        score: item.score,
        error: testCase ?? `test case "${item.caseId}" no longer exists`,
      };
    }
    if (!(await this.store.exists(item.imagePath!))) {
      return { ...outcome, score: item.score, error: `the image ${item.imagePath} is missing` };
    }
    const key = `${item.imagePath}\0${testCase.contentHash}`;
    let scoring = scores.get(key);
    if (!scoring) {
      scoring = this.evaluator.evaluate(testCase, this.store.absolute(item.imagePath!), signal);
      scores.set(key, scoring);
    }
    try {
      const { score, breakdown } = await scoring;
      if (signal?.aborted) return null;
      await machine.apply(item, { type: 'rescored', score, breakdown, scorerVersion: version });
      return { ...outcome, score, scorer_version: version };
    } catch (error) {
      if (signal?.aborted) return null;
      const message = `Scoring failed: ${(error as Error).message}`;
      await machine.apply(item, { type: 'rescore_failed', error: message, scorerVersion: version });
      return { ...outcome, scorer_version: version, error: message };
    }
  }

  /** The run's cases by id; a case that is invalid now maps to why. */
  private async loadCases(ids: string[]): Promise<Map<string, TestCase | string>> {
    const { cases, invalid } = await this.cases.list();
    const map = new Map<string, TestCase | string>();
    for (const c of cases) if (ids.includes(c.id)) map.set(c.id, c);
    for (const c of invalid)
      if (ids.includes(c.id)) map.set(c.id, `test case "${c.id}" is invalid now: ${c.error}`);
    return map;
  }
}
