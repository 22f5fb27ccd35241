import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SwapTool } from '../tools/tool';
import { redisClient, type TeamRedis } from './redis';

/** What a job carries: the item it works on; everything else is read from the database when it runs. */
export interface ItemJob {
  itemId: number;
}

export type JobKind = 'generate' | 'score';

/** The scoring queue's name; a tool's generation queue is `generate-<tool id>`. */
export const SCORE_QUEUE = 'score';

export function generateQueueName(toolId: string): string {
  return `generate-${toolId}`;
}

/**
 * Jobs are never retried for a tool's failure (the item's own attempts do that, docs/api.md §4.2): a job
 * fails when its worker stopped, or could not reach the database or its disk, and is tried again after
 * 1, 2, 4, 8 and 16 s (a worker that died mid-job is another matter: its job stalls and is taken up).
 */
const JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/**
 * Team mode's queues on Redis (BullMQ): one generation queue per tool, whose concurrency is the tool's
 * own across every worker (BullMQ's global concurrency), and one scoring queue. A job's id is its item's
 * and its kind's, so adding it twice is harmless: a run started again, or resumed by a restarted server,
 * queues nothing twice. Connects on first use: the single-user default never touches Redis.
 */
export class TeamQueues {
  private connection?: Redis;
  private readonly queues = new Map<string, Promise<Queue>>();
  /** The generation queues whose limits this process has set. */
  private readonly limited = new Set<string>();

  constructor(private readonly team: TeamRedis) {}

  async addGenerate(itemId: number, tool: SwapTool): Promise<void> {
    const queue = await this.queue(generateQueueName(tool.id), tool.concurrency);
    await queue.add('generate', { itemId } satisfies ItemJob, {
      ...JOB_OPTIONS,
      jobId: jobId(itemId, 'generate'),
    });
  }

  async addScore(itemId: number): Promise<void> {
    const queue = await this.queue(SCORE_QUEUE);
    await queue.add('score', { itemId } satisfies ItemJob, { ...JOB_OPTIONS, jobId: jobId(itemId, 'score') });
  }

  /** Holds back every worker's next jobs of the tool for `ms` (the service answered 429). */
  async pause(tool: SwapTool, ms: number): Promise<void> {
    await (await this.queue(generateQueueName(tool.id), tool.concurrency)).rateLimit(ms);
  }

  /** Takes the items' jobs out of their queues, those not yet started (a started one sees its item canceled). */
  async removeWaiting(items: Array<{ id: number; toolId: string }>): Promise<void> {
    for (const item of items) {
      const generate = await this.queue(generateQueueName(item.toolId));
      await generate.remove(jobId(item.id, 'generate')).catch(() => 0);
      await (await this.queue(SCORE_QUEUE)).remove(jobId(item.id, 'score')).catch(() => 0);
    }
  }

  /** Jobs waiting (or delayed) and running in each of the named queues. */
  async depths(names: string[]): Promise<Record<string, { waiting: number; active: number }>> {
    const depths: Record<string, { waiting: number; active: number }> = {};
    for (const name of names) {
      const counts = await (
        await this.queue(name)
      ).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      depths[name] = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
      };
    }
    return depths;
  }

  /** The connection the queues share, made on first use: for the team's other keys (its workers). */
  redis(): Redis {
    this.connection ??= redisClient(this.team.url);
    return this.connection;
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await (await queue).close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }

  /**
   * The queue by name, made once; a generation queue gets its tool's limits for all workers the first
   * time this process queues on it (a queue first made to read its depth has none yet).
   */
  private async queue(name: string, concurrency?: number): Promise<Queue> {
    let made = this.queues.get(name);
    if (!made) {
      made = Promise.resolve(new Queue(name, { connection: this.redis(), prefix: this.team.prefix }));
      this.queues.set(name, made);
    }
    const queue = await made;
    if (concurrency !== undefined && !this.limited.has(name)) {
      this.limited.add(name);
      await limit(queue, concurrency);
    }
    return queue;
  }
}

/**
 * A generation queue's limits for every worker: the tool's concurrency, and a rate limit that nothing
 * reaches — BullMQ honours a pause after a 429 (`pause`) only on a queue that has one.
 */
async function limit(queue: Queue, concurrency: number): Promise<void> {
  await queue.setGlobalConcurrency(concurrency);
  await queue.setGlobalRateLimit(NO_RATE_LIMIT, 60_000);
}

/** Jobs a minute: no tool of a single team comes near it. */
const NO_RATE_LIMIT = 1_000_000;

export function jobId(itemId: number, kind: JobKind): string {
  return `item-${itemId}-${kind}`;
}
