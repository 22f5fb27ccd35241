import { Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { TestCase } from '../cases/test-case';
import { VARIANT_CACHE_FOLDER, VariantCache } from '../report-images/variant-cache';

/**
 * Encodes the report's images into the variant cache while a run goes — each stored output and the run's
 * templates and avatars — so an export only reads them (docs/report.md, "Image budget"). At low
 * priority: an encode starts only while no item is being scored (`whileScoring`), so report images
 * never take a core from scoring; a run that keeps the cores busy leaves them for its end, and waits
 * for them there (`settled`). Best effort: it never throws, and an image it could not
 * encode is encoded by the export.
 */
export class ReportVariantsWarmer {
  private readonly logger = new Logger('ReportVariants');
  // One output at a time, its two encodes one after the other: a single libuv pool thread, so the
  // database and file work of the run's items (also on the pool) never queue behind encodes. More only
  // while a run waits for its images (`settled`).
  private readonly limit = pLimit(1);
  private settling = 0;
  /** Outputs encoded and the milliseconds spent (queueing excluded); for the runner bench. */
  readonly stats = { outputs: 0, ms: 0 };
  private readonly cache: VariantCache;
  private scoring = 0;
  private stopped = false;
  private readonly waitingForIdle: Array<() => void> = [];
  /** Encodes asked for and not yet done, each with whether it has started. */
  private readonly pending = new Map<Promise<void>, { value: boolean }>();

  /** @param runs the runs folder (`SwapbenchSettings.runs`); the cache lives inside it. */
  constructor(runs: string) {
    this.cache = new VariantCache(join(runs, VARIANT_CACHE_FOLDER), false);
  }

  /** Runs `score` as the scoring of an item: no encode starts until no item is being scored. */
  async whileScoring<T>(score: () => Promise<T>): Promise<T> {
    this.scoring++;
    try {
      return await score();
    } finally {
      if (--this.scoring === 0) for (const wake of this.waitingForIdle.splice(0)) wake();
    }
  }

  /**
   * Encodes the output at `imageFile` unless the cache has it; `digest` is its `sourceDigest`, when
   * known. Resolves when done; never rejects.
   */
  warm(imageFile: string, digest?: string): Promise<void> {
    return this.queue(imageFile, async (cache) => {
      const started = performance.now();
      const before = cache.encoded;
      await cache.output(await readFile(imageFile), digest);
      if (cache.encoded > before) {
        this.stats.outputs++;
        this.stats.ms += performance.now() - started;
      }
    });
  }

  /** Encodes a case's template and avatars unless the cache has them. Never rejects. */
  warmCase(testCase: Pick<TestCase, 'templatePath' | 'avatarPaths'>): Promise<void> {
    return this.queue(testCase.templatePath, async (cache) => {
      await cache.caseImage(await readFile(testCase.templatePath), 'template');
      for (const avatar of testCase.avatarPaths) await cache.caseImage(await readFile(avatar), 'avatar');
    });
  }

  /**
   * Resolves when every encode asked for so far is done (or dropped by `stop`). A run waits here once its
   * items are all scored: with nothing of its own left for the pool, its images take a thread per core
   * until then.
   */
  async settled(): Promise<void> {
    this.settling++;
    this.limit.concurrency = availableParallelism();
    try {
      while (this.pending.size > 0) await Promise.all([...this.pending.keys()]);
    } finally {
      if (--this.settling === 0) this.limit.concurrency = 1;
    }
  }

  /**
   * Drops the encodes not yet started (the process is closing; an export makes them when needed) and
   * resolves when the one under way, if any, has finished writing.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.limit.clearQueue();
    for (const [job, started] of this.pending) if (!started.value) this.pending.delete(job);
    for (const wake of this.waitingForIdle.splice(0)) wake();
    await this.settled();
  }

  private queue(source: string, encode: (cache: VariantCache) => Promise<void>): Promise<void> {
    const started = { value: false };
    const job = this.limit(async () => {
      started.value = true;
      if (this.scoring > 0) await new Promise<void>((wake) => this.waitingForIdle.push(wake));
      if (!this.stopped) await encode(this.cache);
    })
      .catch((error: unknown) => {
        this.logger.warn(`No report images for ${source}: ${(error as Error).message}`);
      })
      .finally(() => this.pending.delete(job));
    this.pending.set(job, started);
    return job;
  }

  /** Removes temp files that a killed process left in the cache; never rejects. */
  removePartials(): Promise<void> {
    return this.cache.removePartials().catch(() => undefined);
  }
}
