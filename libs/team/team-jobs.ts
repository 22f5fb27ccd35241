import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import type { TestCase } from '../cases/test-case';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { UserError } from '../core/user-error';
import { SharedFiles } from '../database/shared-files';
import { SwapEvaluator } from '../evaluator/swap-evaluator';
import { ItemLifecycle } from '../runs/item-lifecycle';
import { ItemMachine, ItemMoved, nextStep, RunTally } from '../runs/item-machine';
import { OutputStore } from '../runs/output-store';
import { RunItem } from '../runs/run-item.entity';
import { Run } from '../runs/run.entity';
import type { SwapTool } from '../tools/tool';
import { ToolRegistry } from '../tools/tools.registry';
import type { TeamQueues } from './team-queues';

/** What a job asks of the process that runs it, besides its item: where to queue the item's next step. */
export interface JobContext {
  queues: TeamQueues;
  /** Resolves once this process's events so far have reached the team (see `EventRelay.flush`). */
  flushEvents: () => Promise<unknown>;
  signal: AbortSignal;
}

/**
 * An item's steps as queue jobs (docs/team.md): the same `ItemLifecycle` and `ItemMachine` as a run in
 * one process, called with the item as the database has it when the job starts, so that any worker can
 * take any job, and a job taken up again after its worker died finds the item where that worker left it.
 */
@Injectable()
export class TeamJobs {
  private readonly logger = new Logger(TeamJobs.name);
  private readonly store: OutputStore;

  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly evaluator: SwapEvaluator,
    private readonly bus: RunEventBus,
    private readonly files: SharedFiles,
    settings: SwapbenchSettings,
  ) {
    this.store = new OutputStore(settings.runs, files);
  }

  /** Calls the item's tool and stores its answer, then queues its scoring. */
  async generate(itemId: number, context: JobContext): Promise<void> {
    const open = await this.open(itemId, async (tool, failure, delayMs) => {
      if (failure.code === 'rate_limited') await context.queues.pause(tool, delayMs);
    });
    if (!open) return;
    let { item } = open;
    const { run, lifecycle } = open;
    try {
      const testCase = await this.caseOf(item);
      const tool = this.tools.get(item.toolId);
      if (nextStep(item.status) === 'generate' && run.options.cache) item = await lifecycle.reuseCached(item);
      if (nextStep(item.status) === 'generate') {
        const generation = await lifecycle.generate(item, tool, testCase, context.signal);
        item = generation.answer
          ? await lifecycle.keep(generation.item, tool, testCase, generation.answer)
          : generation.item;
      }
    } catch (error) {
      item = await this.failUnexpected(item, lifecycle, error);
    }
    await this.handOn(item, context);
  }

  /** Scores the item's stored output. */
  async score(itemId: number, context: JobContext): Promise<void> {
    const open = await this.open(itemId);
    if (!open) return;
    let { item } = open;
    const { lifecycle } = open;
    try {
      if (nextStep(item.status) === 'score') {
        item = await lifecycle.evaluate(item, this.evaluator, await this.caseOf(item), context.signal);
      }
    } catch (error) {
      item = await this.failUnexpected(item, lifecycle, error);
    }
    await this.handOn(item, context);
  }

  /** Ends an item whose job gave up for good (its worker failed it again and again). */
  async abandon(itemId: number, why: string): Promise<void> {
    const open = await this.open(itemId);
    if (!open) return;
    await open.lifecycle.failStored(itemId, `Internal error: ${why}`);
    await this.finishIfDone(open.run.id);
  }

  /**
   * Finishes the run once none of its items is open. Of two workers ending its last items at once, both
   * may find it done; the status changes once (a compare-and-set on `running`) and one of them says so.
   */
  async finishIfDone(runId: string): Promise<void> {
    const open = await this.items.count({
      where: { runId, status: In(['queued', 'generating', 'generated', 'evaluating']) },
    });
    if (open > 0) return;
    const finishedAt = new Date().toISOString();
    const { affected } = await this.runs.update(
      { id: runId, status: 'running' },
      { status: 'finished', finishedAt },
    );
    if (!affected) return;
    const progress = (await RunTally.load(this.items, runId)).progress();
    this.bus.publish({ type: 'run_finished', run_id: runId, status: 'finished', progress });
  }

  /** The item, its run and a lifecycle for it; none when the item is gone, ended, or its run is not running. */
  private async open(itemId: number, onRetry?: ConstructorParameters<typeof ItemLifecycle>[4]) {
    const item = await this.items.findOneBy({ id: itemId });
    if (!item) return null;
    const run = await this.runs.findOneBy({ id: item.runId });
    if (!run || run.status !== 'running' || nextStep(item.status) === 'none') {
      if (run?.status === 'running') await this.finishIfDone(run.id);
      return null;
    }
    const machine = new ItemMachine(this.items, this.bus, await RunTally.load(this.items, run.id));
    return { item, run, lifecycle: new ItemLifecycle(run, this.items, this.store, machine, onRetry) };
  }

  /** The item's case as the server shared it, fetched into this worker's datasets folder. */
  private async caseOf(item: RunItem): Promise<TestCase> {
    for (const path of await this.files.list('datasets', item.caseId))
      await this.files.fetch('datasets', path);
    const loaded = await this.cases.load(item.caseId);
    if ('error' in loaded) throw new UserError(`Test case "${item.caseId}" is invalid: ${loaded.error}`);
    return loaded;
  }

  /** Queues the item's next step, or finishes its run when it was the last; after its events went out. */
  private async handOn(item: RunItem, context: JobContext): Promise<void> {
    await context.flushEvents();
    if (context.signal.aborted) return;
    const step = nextStep(item.status);
    if (step === 'score') await context.queues.addScore(item.id);
    else if (step === 'generate') await context.queues.addGenerate(item.id, this.toolOf(item));
    else await this.finishIfDone(item.runId);
  }

  private toolOf(item: RunItem): SwapTool {
    return this.tools.get(item.toolId);
  }

  /**
   * What a step that broke off leaves: another process moved the item (it goes on from there), the item's
   * case or tool is unusable (the item fails), or anything else — the database out of reach for a moment,
   * a full disk — fails the job, which BullMQ retries with a growing delay; the worker fails the item
   * only once the job has given up (`abandon`).
   */
  private async failUnexpected(item: RunItem, lifecycle: ItemLifecycle, error: unknown): Promise<RunItem> {
    if (error instanceof ItemMoved) return (await this.items.findOneBy({ id: item.id })) ?? item;
    if (!(error instanceof UserError)) {
      this.logger.warn(`Item ${item.id}: ${(error as Error).message}; the job is tried again`);
      throw error;
    }
    await lifecycle.failStored(item.id, error.message);
    return (await this.items.findOneBy({ id: item.id })) ?? item;
  }
}
