import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { SwapbenchSettings } from '../core/config/swapbench-settings';
import { publicUrl } from '../core/secret-redaction';
import { UserError } from '../core/user-error';

/** Where a team's queues and events live: its Redis, and the names of its keys there. */
export interface TeamRedis {
  url: string;
  /**
   * Every key and channel of the team starts with this: `swapbench:` and a digest of its database, so
   * that two teams (or two test runs) sharing one Redis never take each other's jobs.
   */
  prefix: string;
}

export function teamRedis(settings: SwapbenchSettings): TeamRedis {
  if (!settings.redisUrl || !settings.databaseUrl)
    throw new Error('team mode needs its database and Redis URLs');
  const database = createHash('sha256').update(publicUrl(settings.databaseUrl)).digest('hex').slice(0, 12);
  return { url: settings.redisUrl, prefix: `swapbench:${database}` };
}

/**
 * A connection to team mode's Redis. It reconnects by itself (a restarted Redis loses no worker) and
 * never fails a command for want of a connection: BullMQ's workers block on Redis and need that.
 */
export function redisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
}

/** Checks that Redis answers before anything else starts: a clear error naming the variable if not. */
export async function reachRedis(url: string): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ECONNREFUSED: 'nothing answers at that address',
      ENOTFOUND: 'the host name is unknown',
      EAI_AGAIN: 'the host name could not be looked up',
      ETIMEDOUT: 'the connection timed out',
    };
    const reason = why[code ?? ''] ?? (error as Error).message.replace(url, publicUrl(url));
    throw new UserError(`Cannot reach Redis at SWAPBENCH_REDIS_URL (${publicUrl(url)}): ${reason}.`);
  } finally {
    probe.disconnect();
  }
}
