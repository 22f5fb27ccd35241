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

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await (await queue).close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }

  /** The queue by name, made once; a generation queue gets its tool's concurrency for all workers. */
  private queue(name: string, concurrency?: number): Promise<Queue> {
    let made = this.queues.get(name);
    if (!made) {
      this.connection ??= redisClient(this.team.url);
      const queue = new Queue(name, { connection: this.connection, prefix: this.team.prefix });
      made = (concurrency ? queue.setGlobalConcurrency(concurrency) : Promise.resolve()).then(() => queue);
      this.queues.set(name, made);
    }
    return made;
  }
}

export function jobId(itemId: number, kind: JobKind): string {
  return `item-${itemId}-${kind}`;
}
