/** A limited resource work must hold a place in, e.g. a run's concurrency or a tool's. */
export interface SlotPool {
  key: string;
  limit: number;
}

interface Waiter {
  pools: readonly SlotPool[];
  start: () => void;
}

/**
 * Starts work only when every pool it needs has a free place, and takes them all at once. Two nested
 * limiters (tool, then run) would let an item hold its tool's place while it waits for its run's,
 * idling that tool for every other run; here nothing is held while waiting. Waiters start in arrival
 * order among those that can start: one whose tool is busy never blocks one whose tool is free.
 */
export class SlotScheduler {
  private readonly used = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  /** Runs `work` once a place in each of `pools` is free; the places are given back when it settles. */
  async run<T>(pools: readonly SlotPool[], work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(pools);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Takes a place in each of `pools` once they are all free, and resolves with the function that gives
   * them back (once; later calls do nothing): for work that hands over from one set of places to
   * another without a moment in neither.
   */
  async acquire(pools: readonly SlotPool[]): Promise<() => void> {
    if (!this.fits(pools)) await new Promise<void>((start) => this.waiting.push({ pools, start }));
    else this.take(pools);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.give(pools);
      this.startWaiting();
    };
  }

  /** Places in use in one pool (for tests and diagnostics). */
  inUse(key: string): number {
    return this.used.get(key) ?? 0;
  }

  private fits(pools: readonly SlotPool[]): boolean {
    return pools.every((pool) => (this.used.get(pool.key) ?? 0) < Math.max(1, pool.limit));
  }

  private take(pools: readonly SlotPool[]): void {
    for (const pool of pools) this.used.set(pool.key, (this.used.get(pool.key) ?? 0) + 1);
  }

  private give(pools: readonly SlotPool[]): void {
    for (const pool of pools) {
      const left = (this.used.get(pool.key) ?? 1) - 1;
      // Runs come and go: forget a pool nobody holds, so the map does not grow with every run.
      if (left > 0) this.used.set(pool.key, left);
      else this.used.delete(pool.key);
    }
  }

  private startWaiting(): void {
    for (let i = 0; i < this.waiting.length;) {
      const waiter = this.waiting[i];
      if (!this.fits(waiter.pools)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.take(waiter.pools);
      waiter.start();
    }
  }
}
