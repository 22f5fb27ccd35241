import { Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { dataPaths } from '../core/paths';
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

  /** Encodes the output at `imageFile` unless the cache has it. Resolves when done; never rejects. */
  warm(imageFile: string): Promise<void> {
    return this.limit(async () => {
      const started = performance.now();
      const cache = this.cache();
      await cache.output(await readFile(imageFile));
      if (cache.encoded > 0) {
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
      const cache = this.cache();
      await cache.caseImage(await readFile(testCase.templatePath), 'template');
      for (const avatar of testCase.avatarPaths) await cache.caseImage(await readFile(avatar), 'avatar');
    }).catch((error: unknown) => {
      this.logger.warn(`No report images for ${testCase.templatePath}: ${(error as Error).message}`);
    });
  }

  /** Removes temp files that a killed process left in the cache; never rejects. */
  removePartials(): Promise<void> {
    return this.cache()
      .removePartials()
      .catch(() => undefined);
  }

  // Per call: the runs folder comes from the environment, which tests change between runs.
  private cache(): VariantCache {
    return new VariantCache(join(dataPaths().runs, VARIANT_CACHE_FOLDER), false);
  }
}
