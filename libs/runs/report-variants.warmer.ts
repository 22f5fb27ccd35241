import { Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { TestCase } from '../cases/test-case';
import { VARIANT_CACHE_FOLDER, VariantCache } from '../report-images/variant-cache';

/**
 * Encodes the report's images into the variant cache while a run goes — each stored output while its item
 * is scored, and the run's templates and avatars — so an export only reads them (docs/report.md, "Image
 * budget"). Best effort: it never throws, and an image it could not encode is encoded by the export.
 */
export class ReportVariantsWarmer {
  private readonly logger = new Logger('ReportVariants');
  // One output at a time, its two encodes one after the other: a single libuv pool thread, so the
  // database and file work of the run's items (also on the pool) never queue behind encodes.
  private readonly limit = pLimit(1);
  /** Outputs encoded and the milliseconds spent (queueing excluded); for the runner bench. */
  readonly stats = { outputs: 0, ms: 0 };
  private readonly cache: VariantCache;

  /** @param runs the runs folder (`SwapbenchSettings.runs`); the cache lives inside it. */
  constructor(runs: string) {
    this.cache = new VariantCache(join(runs, VARIANT_CACHE_FOLDER), false);
  }

  /** Encodes the output at `imageFile` unless the cache has it. Resolves when done; never rejects. */
  warm(imageFile: string): Promise<void> {
    return this.limit(async () => {
      const started = performance.now();
      const before = this.cache.encoded;
      await this.cache.output(await readFile(imageFile));
      if (this.cache.encoded > before) {
        this.stats.outputs++;
        this.stats.ms += performance.now() - started;
      }
    }).catch((error: unknown) => {
      this.logger.warn(`No report images for ${imageFile}: ${(error as Error).message}`);
    });
  }

  /** Encodes a case's template and avatars unless the cache has them. Never rejects. */
  warmCase(testCase: Pick<TestCase, 'templatePath' | 'avatarPaths'>): Promise<void> {
    return this.limit(async () => {
      await this.cache.caseImage(await readFile(testCase.templatePath), 'template');
      for (const avatar of testCase.avatarPaths) await this.cache.caseImage(await readFile(avatar), 'avatar');
    }).catch((error: unknown) => {
      this.logger.warn(`No report images for ${testCase.templatePath}: ${(error as Error).message}`);
    });
  }

  /** Removes temp files that a killed process left in the cache; never rejects. */
  removePartials(): Promise<void> {
    return this.cache.removePartials().catch(() => undefined);
  }
}
