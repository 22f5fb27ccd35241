import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { In, Repository } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import type { TestCase } from '../cases/test-case';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { processAlive } from '../core/process-alive';
import type { RunStatus } from '../core/run-events';
import { UserError } from '../core/user-error';
import { SwapEvaluator } from '../evaluator/swap-evaluator';
import type { SwapTool } from '../tools/tool';
import { ToolRegistry } from '../tools/tools.registry';
import { ItemLifecycle, type Generation } from './item-lifecycle';
import { ItemMachine, ItemMoved, nextStep, RunTally } from './item-machine';
import { OutputStore } from './output-store';
import { ReportVariantsWarmer } from './report-variants.warmer';
import { RunItem } from './run-item.entity';
import { runToCancel } from './run-lookup';
import { Run } from './run.entity';
import { SlotScheduler, type SlotPool } from './slot-scheduler';

/** Why a run stops before its end: the user canceled it, or the process is going away (resume later). */
export type StopReason = 'cancel' | 'interrupt';

/** A run's heartbeat older than this means its process died and the run can be resumed. */
export const HEARTBEAT_STALE_MS = 15_000;
const HEARTBEAT_EVERY_MS = 3_000;

interface ActiveRun {
  controller: AbortController;
  done: Promise<RunStatus>;
}

/**
 * Executes runs: schedules each open item through its steps (`ItemLifecycle`; its statuses move only by
 * the `ItemMachine`'s events) with the run's global concurrency limit and each tool's own limit (shared
 * by all runs of the process; an item starts only when both have a place, see `SlotScheduler`). Item
 * state lives in the database; the runner can die at any point and `execute` again finishes the run
 * without losing an item or generating one twice.
 */
@Injectable()
export class RunExecutor implements OnModuleDestroy {
  private readonly logger = new Logger(RunExecutor.name);
  private readonly active = new Map<string, ActiveRun>();
  private readonly slots = new SlotScheduler();
  private readonly store: OutputStore;
  /** Shared by the runs of the process, like the tool limits. */
  readonly reportVariants: ReportVariantsWarmer;

  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly bus: RunEventBus,
    private readonly evaluator: SwapEvaluator,
    settings: SwapbenchSettings,
  ) {
    this.store = new OutputStore(settings.runs);
    this.reportVariants = new ReportVariantsWarmer(settings.runs);
  }

  /** Runs (or resumes) a run to its end; resolves with its final status. Concurrent calls share one execution. */
  execute(runId: string): Promise<RunStatus> {
    const known = this.active.get(runId);
    if (known) return known.done;
    const controller = new AbortController();
    // Every open item listens on the run's signal while it waits (backoff, tool call), so a run with a
    // concurrency above 10 has more than Node's default of 10 listeners: expected, not a leak to warn of.
    setMaxListeners(0, controller.signal);
    const done = this.executeOnce(runId, controller.signal).finally(() => this.active.delete(runId));
    this.active.set(runId, { controller, done });
    return done;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Stops a run. `cancel` ends its open items as canceled; `interrupt` leaves them for a later resume. */
  async stop(runId: string, reason: StopReason): Promise<void> {
    const active = this.active.get(runId);
    if (active) {
      active.controller.abort(reason);
      await active.done;
      return;
    }
    if (reason === 'cancel') await this.cancelStored(runId);
  }

  /** Runs the server should pick up at start: marked running or interrupted, with no live process. */
  async resumable(): Promise<Run[]> {
    const open = await this.runs.find({
      where: { status: In(['running', 'interrupted']) },
      order: { createdAt: 'ASC' },
    });
    return open.filter((run) => !this.active.has(run.id) && !ownedElsewhere(run));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([
      this.reportVariants.stop(),
      ...[...this.active.keys()].map((id) => this.stop(id, 'interrupt')),
    ]);
  }

  private async executeOnce(runId: string, signal: AbortSignal): Promise<RunStatus> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run) throw new UserError(`Unknown run "${runId}"`, 404);
    if (run.status === 'running' && ownedElsewhere(run)) {
      throw new UserError(`Run ${runId} is being executed by another swapbench process right now.`, 409);
    }
    const items = await this.items.find({ where: { runId }, order: { position: 'ASC' } });
    const open = items.filter((item) => nextStep(item.status) !== 'none');
    if (run.status !== 'running' && open.length === 0) return run.status;

    await this.runs.update(runId, {
      status: 'running',
      finishedAt: null,
      heartbeatAt: new Date().toISOString(),
      owner: SELF,
    });
    const heartbeat = setInterval(() => void this.beat(runId), HEARTBEAT_EVERY_MS);
    heartbeat.unref();
    const machine = new ItemMachine(this.items, this.bus, RunTally.of(items.map((item) => item.status)));
    const lifecycle = new ItemLifecycle(run, this.items, this.store, machine);
    await this.reportVariants.removePartials();
    this.bus.publish({ type: 'run_started', run_id: runId, progress: machine.progress() });

    try {
      const casesById = await this.loadCases(run.caseIds);
      // The report's case images, at low priority (see ReportVariantsWarmer); never failing.
      for (const c of casesById.values()) if (typeof c === 'object') void this.reportVariants.warmCase(c);
      const pools: RunPools = {
        generate: { key: `run:${runId}`, limit: run.options.concurrency },
        score: { key: `score:${runId}`, limit: run.options.concurrency },
      };
      await Promise.all(open.map((item) => this.runItem(item, lifecycle, casesById, pools, signal)));
      // Every item is scored; the images that waited for that are made now, so the run ends with them
      // cached and nothing is written after it ends.
      if (!signal.aborted) await this.reportVariants.settled();
    } finally {
      clearInterval(heartbeat);
    }

    const reason = signal.aborted ? (signal.reason as StopReason) : null;
    const status: RunStatus =
      reason === 'interrupt' ? 'interrupted' : reason === 'cancel' ? 'canceled' : 'finished';
    await this.runs.update(runId, {
      status,
      finishedAt: status === 'interrupted' ? null : new Date().toISOString(),
      heartbeatAt: null,
      owner: null,
    });
    this.bus.publish({
      type: 'run_finished',
      run_id: runId,
      status,
      progress: machine.progress(),
    });
    return status;
  }

  private async runItem(
    item: RunItem,
    lifecycle: ItemLifecycle,
    casesById: Map<string, TestCase | string>,
    pools: RunPools,
    signal: AbortSignal,
  ): Promise<void> {
    // The item's place among those being stored and scored (see `RunPools`), once it has one.
    let scoring: (() => void) | undefined;
    try {
      const testCase = casesById.get(item.caseId);
      if (typeof testCase !== 'object') {
        await lifecycle.fail(item, testCase ?? `Test case "${item.caseId}" no longer exists`);
        return;
      }
      let tool: SwapTool;
      try {
        tool = this.tools.get(item.toolId);
      } catch {
        await lifecycle.fail(item, `Tool "${item.toolId}" is no longer registered`);
        return;
      }
      if (nextStep(item.status) === 'generate' && lifecycle.options.cache) {
        item = await lifecycle.reuseCached(item);
      }
      if (nextStep(item.status) === 'generate') {
        const toolPool: SlotPool = { key: `tool:${tool.id}`, limit: tool.concurrency };
        const generating = await this.slots.acquire([pools.generate, toolPool]);
        let generation: Generation;
        try {
          generation = await lifecycle.generate(item, tool, testCase, signal);
          // The tool's place is given back once the answer has a place to be stored and scored in.
          if (generation.answer) scoring = await this.slots.acquire([pools.score]);
        } finally {
          generating();
        }
        item = generation.answer
          ? await lifecycle.keep(generation.item, tool, testCase, generation.answer)
          : generation.item;
      }
      if (nextStep(item.status) === 'score') {
        scoring ??= await this.slots.acquire([pools.score]);
        // The report's images are encoded off the item's path, when no item is being scored (see
        // ReportVariantsWarmer). A cached item's output is an earlier item's, whose images were made then.
        if (!item.cached) {
          void this.reportVariants.warm(
            this.store.absolute(item.imagePath!),
            lifecycle.outputDigest(item.id),
          );
        }
        const toScore = item;
        await this.reportVariants.whileScoring(() =>
          lifecycle.evaluate(toScore, this.evaluator, testCase, signal),
        );
      }
    } catch (error) {
      // Another process (a cancel through the server) moved the item first: its change stands.
      if (error instanceof ItemMoved) return this.logger.debug(error.message);
      // Anything unexpected ends this item only; the run and its other items go on.
      this.logger.error(
        `Item ${item.id} (${item.caseId} × ${item.toolId}) failed unexpectedly: ${(error as Error).stack}`,
      );
      await lifecycle
        .failStored(item.id, `Internal error: ${(error as Error).message}`)
        .catch(() => undefined);
    } finally {
      scoring?.();
    }
  }

  /** The run's cases by id; a case that is now invalid maps to its error. */
  private async loadCases(ids: string[]): Promise<Map<string, TestCase | string>> {
    const { cases, invalid } = await this.cases.list();
    const map = new Map<string, TestCase | string>();
    for (const c of cases) if (ids.includes(c.id)) map.set(c.id, c);
    for (const c of invalid)
      if (ids.includes(c.id)) map.set(c.id, `Test case "${c.id}" is invalid now: ${c.error}`);
    return map;
  }

  private async beat(runId: string): Promise<void> {
    try {
      const run = await this.runs.findOneBy({ id: runId });
      // Another process (the server, or a second CLI) may have canceled the run in the database.
      if (run?.status === 'canceled') this.active.get(runId)?.controller.abort('cancel');
      else
        await this.runs.update({ id: runId, status: 'running' }, { heartbeatAt: new Date().toISOString() });
    } catch (error) {
      this.logger.warn(`Heartbeat of run ${runId} failed: ${(error as Error).message}`);
    }
  }

  /** Cancels a run no process of ours is executing (interrupted, or executed by another process). */
  private async cancelStored(runId: string): Promise<void> {
    await runToCancel(this.runs, runId);
    const machine = new ItemMachine(this.items, this.bus, await RunTally.load(this.items, runId));
    await machine.applyToRun(runId, 'cancel');
    await this.runs.update(runId, { status: 'canceled', finishedAt: new Date().toISOString() });
    this.bus.publish({
      type: 'run_finished',
      run_id: runId,
      status: 'canceled',
      progress: machine.progress(),
    });
  }
}

/**
 * A run's places, as many of each as its concurrency: items calling a tool (shared with each tool's own
 * limit), and items whose answer is being checked, stored and scored. An item takes its place in the
 * second before it gives back the first, so a fast tool waits for scoring rather than piling up images
 * in memory, and a tool never waits for the disk or the scorer while its answers have places.
 */
interface RunPools {
  generate: SlotPool;
  score: SlotPool;
}

/** This process, as recorded in `runs.owner`. */
const SELF = `${hostname()}:${process.pid}`;

/**
 * Whether another live process may be executing the run: its heartbeat is recent and, when the owner
 * is a process on this machine, that process still exists (a crashed CLI can be resumed at once).
 */
function ownedElsewhere(run: Run): boolean {
  if (run.heartbeatAt === null || Date.now() - Date.parse(run.heartbeatAt) >= HEARTBEAT_STALE_MS)
    return false;
  const [host, pid] = (run.owner ?? '').split(':');
  if (host !== hostname() || !pid) return true;
  if (run.owner === SELF) return false;
  return processAlive(Number(pid));
}
