import { Redis } from 'ioredis';
import { publicUrl } from '../core/secret-redaction';
import { UserError } from '../core/user-error';

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
