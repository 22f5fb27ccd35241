import { Logger } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { availableParallelism, hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RunEventBus } from '../core/event-bus';
import type { ToolRegistry } from '../tools/tools.registry';
import { EventRelay } from './event-relay';
import { redisClient, type TeamRedis } from './redis';
import type { TeamJobs } from './team-jobs';
import { generateQueueName, SCORE_QUEUE, TeamQueues, type ItemJob } from './team-queues';
import type { WorkerSeen } from './team-view';

/** How often a worker says it is alive; one not heard of for three times this is shown as gone. */
export const WORKER_BEAT_MS = 5000;

export function workersKey(team: TeamRedis): string {
  return `${team.prefix}:workers`;
}

/** What a worker takes: `swapbench worker --queues generate,score --concurrency n` (docs/cli.md). */
export interface WorkerOptions {
  queues: ReadonlyArray<'generate' | 'score'>;
  /** Jobs of one queue this process runs at once; scoring defaults to the machine's cores. */
  concurrency?: number;
  /** How long a job's lock lasts without its worker renewing it: a dead worker's job is taken up after it. */
  lockMs: number;
}

/**
 * One worker process of a team: BullMQ workers on the chosen queues, each job an item's step (`TeamJobs`),
 * its events sent to the team. On `stop` the jobs under way are interrupted: their items go back to where
 * a job picks them up, and the jobs fail so that BullMQ gives them to another worker.
 */
export class TeamWorker {
  private readonly logger = new Logger(TeamWorker.name);
  private readonly workers: Worker[] = [];
  private readonly queues: TeamQueues;
  private readonly relay: EventRelay;
  private readonly stopping = new AbortController();
  private readonly counts = { done: 0, failed: 0 };
  private readonly startedAt = new Date().toISOString();
  private heartbeat?: NodeJS.Timeout;
  private registry?: Redis;

  constructor(
    private readonly team: TeamRedis,
    private readonly jobs: TeamJobs,
    private readonly tools: ToolRegistry,
    bus: RunEventBus,
  ) {
    this.queues = new TeamQueues(team);
    this.relay = new EventRelay(team, bus);
  }

  async start(options: WorkerOptions): Promise<string[]> {
    await this.relay.send();
    const names: string[] = [];
    if (options.queues.includes('generate')) {
      for (const tool of this.tools.all()) {
        const concurrency = Math.min(tool.concurrency, options.concurrency ?? tool.concurrency);
        names.push(
          this.listen(generateQueueName(tool.id), concurrency, options.lockMs, (id, context) =>
            this.jobs.generate(id, context),
          ),
        );
      }
    }
    if (options.queues.includes('score')) {
      const concurrency = options.concurrency ?? availableParallelism();
      names.push(
        this.listen(SCORE_QUEUE, concurrency, options.lockMs, (id, context) => this.jobs.score(id, context)),
      );
    }
    await this.register(names);
    return names;
  }

  /** Says every few seconds that this worker is alive, with its queues and counts (`GET /api/team`). */
  private async register(queues: string[]): Promise<void> {
    this.registry = redisClient(this.team.url);
    const beat = () => {
      const seen: WorkerSeen = {
        host: hostname(),
        pid: process.pid,
        queues,
        started_at: this.startedAt,
        seen_at: new Date().toISOString(),
        ...this.counts,
      };
      return this.registry!.hset(workersKey(this.team), `${seen.host}:${seen.pid}`, JSON.stringify(seen));
    };
    await beat();
    this.heartbeat = setInterval(() => void beat().catch(() => undefined), WORKER_BEAT_MS);
  }

  /** Jobs this process finished and jobs that failed (interrupted or broken), since it started. */
  done(): { done: number; failed: number } {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    this.stopping.abort('interrupt');
    clearInterval(this.heartbeat);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.registry?.hdel(workersKey(this.team), `${hostname()}:${process.pid}`).catch(() => 0);
    await this.registry?.quit().catch(() => undefined);
    await this.relay.close();
    await this.queues.close();
  }

  private listen(
    name: string,
    concurrency: number,
    lockMs: number,
    step: (itemId: number, context: Parameters<TeamJobs['generate']>[1]) => Promise<void>,
  ): string {
    const worker = new Worker<ItemJob>(
      name,
      async (job: Job<ItemJob>) => {
        const context = {
          queues: this.queues,
          flushEvents: () => this.relay.flush(),
          signal: this.stopping.signal,
        };
        await step(job.data.itemId, context);
        // Interrupted: the item went back to where a job picks it up; failing hands the job to another worker.
        if (this.stopping.signal.aborted)
          throw new Error('the worker stopped; the job goes to another worker');
      },
      {
        connection: redisClient(this.team.url),
        prefix: this.team.prefix,
        concurrency: Math.max(1, concurrency),
        lockDuration: lockMs,
        stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
        maxStalledCount: 3,
      },
    );
    worker.on('completed', () => this.counts.done++);
    worker.on('failed', (job, error) => {
      this.counts.failed++;
      if (!job || this.stopping.signal.aborted) return;
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
        void this.jobs.abandon(job.data.itemId, error.message).catch(() => undefined);
      }
    });
    worker.on('error', (error) => this.logger.warn(`Queue ${name}: ${error.message}`));
    this.workers.push(worker);
    return name;
  }
}
