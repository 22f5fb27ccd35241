import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve, sep } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import sharp from 'sharp';
import type { ImageSource } from './run-panel.builder';

/**
 * The report's image budget (docs/report.md): everything is re-encoded as WebP, which every current
 * browser shows from `file://`, at sizes that keep a 50 × 5 run of photographic outputs near 20 MB.
 * `effort` is libwebp's method (0 fastest … 6 smallest); measured trade-offs are in docs/report.md.
 */
export const REPORT_IMAGE_BUDGET = {
  /** Template in the grid's row header. */
  template: { width: 360, quality: 70, effort: 2 },
  /** Avatar chips beside the template. */
  avatar: { width: 96, quality: 70, effort: 2 },
  /** Output thumbnail in a grid cell. */
  thumb: { width: 320, quality: 70, effort: 2 },
  /** Output in the lightbox: long side at most this many pixels, never enlarged. */
  full: { width: 896, quality: 72, effort: 0 },
} as const;

interface Size {
  width: number;
  quality: number;
  effort: number;
}

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
 * Each file is read and decoded once. Encodes are shared by file (cached items point at the earlier
 * item's output) and by content (the same bytes under two names are encoded once).
 */
export class InlineImages implements ImageSource {
  private readonly byPath = new Map<string, Promise<unknown>>();
  private readonly byContent = new Map<string, Promise<unknown>>();
  private readonly limit: LimitFunction;
  /** Images actually decoded and encoded (not shared); for tests and the bench. */
  encoded = 0;

  constructor(
    private readonly folders: { datasets: string; runs: string },
    parallel = parallelEncodes(),
  ) {
    this.limit = pLimit(parallel);
  }

  caseImage(url: string | null, role: 'template' | 'avatar'): Promise<string | null> {
    const size = REPORT_IMAGE_BUDGET[role];
    return this.cached(role, url, (input) =>
      role === 'avatar' ? encodeSquare(input, size) : encodeInside(input, size),
    );
  }

  async output(url: string | null): Promise<{ thumb: string | null; full: string | null }> {
    const both = await this.cached('output', url, encodeOutput);
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
   * Reads the file of `url` and encodes it once per (kind, file) and once per (kind, content);
   * unreadable or undecodable files give null.
   */
  private cached<T>(
    kind: string,
    url: string | null,
    encode: (input: Buffer) => Promise<T>,
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
        const contentKey = `${kind}|${createHash('sha1').update(input).digest('hex')}`;
        let same = this.byContent.get(contentKey) as Promise<T | null> | undefined;
        if (!same) {
          this.encoded++;
          same = encode(input).catch(() => null);
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

function decoder(input: Buffer): sharp.Sharp {
  return sharp(input, { limitInputPixels: 40_000_000 }).rotate();
}

function inside(width: number): sharp.ResizeOptions {
  // mitchell: ~15% cheaper than the default lanczos3 for downscaling, with no visible difference here.
  return { width, height: width, fit: 'inside', withoutEnlargement: true, kernel: 'mitchell' };
}

async function encodeInside(input: Buffer, size: Size): Promise<string> {
  const webp = await decoder(input)
    .resize(inside(size.width))
    .webp({ quality: size.quality, effort: size.effort })
    .toBuffer();
  return dataUri(webp);
}

async function encodeSquare(input: Buffer, size: Size): Promise<string> {
  const webp = await decoder(input)
    .resize(size.width, size.width, { fit: 'cover', position: 'attention' })
    .webp({ quality: size.quality, effort: size.effort })
    .toBuffer();
  return dataUri(webp);
}

/**
 * One decode, two encodes: the file is decoded (and brought to the full-size budget) once into raw
 * pixels, then the thumbnail and the lightbox image are encoded from those pixels in parallel.
 * (`sharp().clone()` would decode the file again for each output.)
 */
async function encodeOutput(input: Buffer): Promise<{ thumb: string; full: string }> {
  const { full, thumb } = REPORT_IMAGE_BUDGET;
  const { data, info } = await decoder(input)
    .resize(inside(full.width))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const [small, large] = await Promise.all([
    sharp(data, raw)
      .resize(inside(thumb.width))
      .webp({ quality: thumb.quality, effort: thumb.effort })
      .toBuffer(),
    sharp(data, raw).webp({ quality: full.quality, effort: full.effort }).toBuffer(),
  ]);
  return { thumb: dataUri(small), full: dataUri(large) };
}
