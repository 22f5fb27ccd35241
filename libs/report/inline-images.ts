import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve, sep } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { sourceDigest, VARIANT_CACHE_FOLDER, VariantCache } from '../report-images/variant-cache';
import type { ImageSource } from './run-panel.builder';

/**
 * Images decoded and encoded at once. sharp runs each pipeline on a libuv pool thread (and libvips uses
 * `sharp.concurrency()` threads inside it: 1 on glibc builds without jemalloc, like this one), and the work
 * is CPU-bound, so more than the cores — or the pool, whichever is smaller — only costs memory. Each
 * output keeps two pool threads busy (thumbnail and full size in parallel).
 */
export function parallelEncodes(
  cores = availableParallelism(),
  pool = Number(process.env.UV_THREADPOOL_SIZE) || 4,
): number {
  return Math.max(1, Math.min(cores, pool));
}

/**
 * Inlines the run's images as data URIs, read from the datasets and runs folders by their URLs. A URL
 * that leaves its folder or names a missing or unreadable file yields null (the cell shows no image)
 * rather than failing the whole report.
 *
 * The WebP images come from the variant cache in the runs folder (the runner fills it as outputs are
 * stored); what it lacks — outputs of older runs, case images on their first export — is encoded here
 * and stored for the next export. Each file is read once, and looked up or encoded once per content
 * (cached items point at the earlier item's output; equal bytes under two names are one image).
 */
export class InlineImages implements ImageSource {
  private readonly byPath = new Map<string, Promise<unknown>>();
  private readonly byContent = new Map<string, Promise<unknown>>();
  private readonly limit: LimitFunction;
  private readonly cache: VariantCache;

  constructor(
    private readonly folders: { datasets: string; runs: string },
    parallel = parallelEncodes(),
  ) {
    this.limit = pLimit(parallel);
    this.cache = new VariantCache(join(folders.runs, VARIANT_CACHE_FOLDER));
  }

  /** Images encoded by this export (not in the cache); for the log, tests and the bench. */
  get encoded(): number {
    return this.cache.encoded;
  }

  /** Images read whole from the variant cache. */
  get reused(): number {
    return this.cache.reused;
  }

  /** Encoded images the cache could not store (read-only or full disk); the report has them anyway. */
  get unwritten(): number {
    return this.cache.unwritten;
  }

  caseImage(url: string | null, role: 'template' | 'avatar'): Promise<string | null> {
    return this.cached(role, url, async (input, digest) =>
      dataUri(await this.cache.caseImage(input, role, digest)),
    );
  }

  async output(url: string | null): Promise<{ thumb: string | null; full: string | null }> {
    const both = await this.cached('output', url, async (input, digest) => {
      const { thumb, full } = await this.cache.output(input, digest);
      return { thumb: dataUri(thumb), full: dataUri(full) };
    });
    return both ?? { thumb: null, full: null };
  }

  /** Local file of a `/datasets/...` or `/runs/...` URL, or null when it would leave its folder. */
  pathOf(url: string): string | null {
    const match = /^\/(datasets|runs)\/(.+)$/.exec(url);
    if (!match) return null;
    const root = resolve(match[1] === 'datasets' ? this.folders.datasets : this.folders.runs);
    let parts: string[];
    try {
      parts = match[2].split('/').map(decodeURIComponent);
    } catch {
      return null;
    }
    if (parts.some((p) => p === '..' || p === '' || p.includes('\0'))) return null;
    const path = resolve(root, ...parts);
    return path.startsWith(root + sep) ? path : null;
  }

  /**
   * Reads the file of `url` and makes its images once per (kind, file) and once per (kind, content);
   * unreadable or undecodable files give null.
   */
  private cached<T>(
    kind: string,
    url: string | null,
    make: (input: Buffer, digest: string) => Promise<T>,
  ): Promise<T | null> {
    const path = url === null ? null : this.pathOf(url);
    if (path === null) return Promise.resolve(null);
    const key = `${kind}|${path}`;
    let pending = this.byPath.get(key) as Promise<T | null> | undefined;
    if (!pending) {
      pending = this.limit(async () => {
        let input: Buffer;
        try {
          input = await readFile(path);
        } catch {
          return null;
        }
        const digest = sourceDigest(input);
        const contentKey = `${kind}|${digest}`;
        let same = this.byContent.get(contentKey) as Promise<T | null> | undefined;
        if (!same) {
          same = make(input, digest).catch(() => null);
          this.byContent.set(contentKey, same);
        }
        return same;
      });
      this.byPath.set(key, pending);
    }
    return pending;
  }
}

function dataUri(webp: Buffer): string {
  return `data:image/webp;base64,${webp.toString('base64')}`;
}
