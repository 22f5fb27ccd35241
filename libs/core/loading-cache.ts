import { LRUCache } from 'lru-cache';

/**
 * Values made by an async `load`, kept by key: least recently used first out once the finished ones pass
 * a byte budget (`sizeOf`). A load still running is shared by every caller that asks for the same key;
 * one that fails is forgotten, so the next call loads again.
 */
export class LoadingCache<V extends object> {
  private readonly done: LRUCache<string, V>;
  private readonly running = new Map<string, Promise<V>>();

  constructor(
    readonly maxBytes: number,
    sizeOf: (value: V) => number,
  ) {
    this.done = new LRUCache<string, V>({ maxSize: maxBytes, sizeCalculation: (value) => sizeOf(value) });
  }

  /** The value of `key`: the cached one, the one loading, or a new one from `load`. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const known = this.done.get(key);
    if (known) return Promise.resolve(known);
    const running = this.running.get(key);
    if (running) return running;
    const loading = load();
    this.running.set(key, loading);
    loading.then(
      (value) => {
        // Not when `clear()` came in between: a cleared cache keeps nothing loaded before.
        if (this.running.get(key) !== loading) return;
        this.running.delete(key);
        this.done.set(key, value);
      },
      () => {
        if (this.running.get(key) === loading) this.running.delete(key);
      },
    );
    return loading;
  }

  /** Bytes the finished values hold, by `sizeOf`. */
  get bytes(): number {
    return this.done.calculatedSize;
  }

  /** How many finished values are kept. */
  get size(): number {
    return this.done.size;
  }

  clear(): void {
    this.done.clear();
    this.running.clear();
  }
}
