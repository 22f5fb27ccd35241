import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { rm } from 'node:fs/promises';
import { In, Like, Not, Repository } from 'typeorm';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { UserError } from '../core/user-error';
import { HEARTBEAT_STALE_MS, RunExecutor } from './run-executor';
import { ItemMachine, RunTally } from './item-machine';
import { OutputStore, sidecarPath } from './output-store';
import { findRun } from './run-lookup';
import { RunItem } from './run-item.entity';
import { Run } from './run.entity';

/** What `runs delete` removed. */
export interface RunDeleted {
  run_id: string;
  items: number;
  /** Image files removed (with their sidecars); an image another run still uses is kept. */
  files: number;
}

/** Housekeeping of stored runs: forget the cache, run failed items again, delete a run. */
@Injectable()
export class RunMaintenanceService {
  private readonly store: OutputStore;

  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    private readonly executor: RunExecutor,
    private readonly bus: RunEventBus,
    settings: SwapbenchSettings,
  ) {
    this.store = new OutputStore(settings.runs);
  }

  /**
   * Forgets every cached output: later runs generate again. Items keep their images, scores and ratings;
   * only the keys that let a later item reuse them are replaced by ones nothing can match.
   */
  async clearCache(): Promise<{ forgotten: number }> {
    const forgotten = await this.items.count({ where: { cacheKey: Not(Like('cleared:%')) } });
    await this.items.query(`UPDATE "run_items" SET "cache_key" = 'cleared:' || "id"`);
    return { forgotten };
  }

  /**
   * Puts the items of a run that ended failed back in the queue (attempts and error reset), so that
   * executing the run again tries them once more. Refused while the run is being executed.
   */
  async requeueFailed(runId: string): Promise<number> {
    const run = await this.runOf(runId);
    this.refuseWhileRunning(run, 'retry its failed items');
    const machine = new ItemMachine(this.items, this.bus, await RunTally.load(this.items, run.id));
    const requeued = await machine.applyToRun(run.id, 'requeue');
    if (requeued > 0) await this.runs.update(run.id, { status: 'interrupted', finishedAt: null });
    return requeued;
  }

  /**
   * Deletes a run: its rows, its ratings and its image files with their sidecars (those it made, and those
   * it reused from the cache), except an image that an item of another run still uses. Refused while the
   * run is being executed.
   */
  async remove(runId: string): Promise<RunDeleted> {
    const run = await this.runOf(runId);
    this.refuseWhileRunning(run, 'delete it');
    const own = await this.items.find({ where: { runId: run.id } });
    // Its own images, and earlier images it reused from the cache: each goes unless another run uses it.
    const paths = [...new Set(own.filter((i) => i.imagePath).map((i) => i.imagePath!))];
    const borrowed = new Set<string>();
    for (let i = 0; i < paths.length; i += 500) {
      const users = await this.items.find({
        select: { imagePath: true },
        where: { imagePath: In(paths.slice(i, i + 500)), runId: Not(run.id) },
      });
      for (const user of users) if (user.imagePath) borrowed.add(user.imagePath);
    }
    await this.runs.manager.transaction(async (tx) => {
      await tx
        .createQueryBuilder()
        .delete()
        .from('human_scores')
        .where(`"run_item_id" IN (SELECT "id" FROM "run_items" WHERE "run_id" = :runId)`, { runId: run.id })
        .execute();
      await tx.delete(RunItem, { runId: run.id });
      await tx.delete(Run, { id: run.id });
    });
    let files = 0;
    for (const path of paths) {
      if (borrowed.has(path) || !(await this.store.exists(path))) continue;
      await rm(this.store.absolute(path), { force: true });
      await rm(this.store.absolute(sidecarPath(path)), { force: true });
      files++;
    }
    return { run_id: run.id, items: own.length, files };
  }

  private async runOf(runId: string): Promise<Run> {
    const run = await findRun(this.runs, runId);
    if (!run) throw new UserError(`Unknown run "${String(runId).slice(0, 64)}"; see \`swapbench runs\``, 404);
    return run;
  }

  /** A run this process executes, or one whose owner's heartbeat is fresh, is in use. */
  private refuseWhileRunning(run: Run, what: string): void {
    const fresh =
      run.status === 'running' &&
      run.heartbeatAt !== null &&
      Date.now() - Date.parse(run.heartbeatAt) < HEARTBEAT_STALE_MS;
    if (this.executor.isActive(run.id) || fresh) {
      throw new UserError(
        `Run ${run.id} is running; cancel it or wait for it to end before you ${what}.`,
        409,
      );
    }
  }
}
