import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import sharp from 'sharp';
import type { ImageSource } from './run-panel.builder';

/**
 * The report's image budget (docs/report.md): everything is re-encoded as WebP, which every current
 * browser shows from `file://`, at sizes that keep a 50 × 5 run in the tens of megabytes.
 */
export const REPORT_IMAGE_BUDGET = {
  /** Template in the grid's row header. */
  template: { width: 360, quality: 70 },
  /** Avatar chips beside the template. */
  avatar: { width: 96, quality: 70 },
  /** Output thumbnail in a grid cell. */
  thumb: { width: 360, quality: 70 },
  /** Output in the lightbox: long side at most this many pixels. */
  full: { width: 1024, quality: 78 },
} as const;

/** Images re-encoded at once: sharp runs on libuv's pool, and more in flight only costs memory. */
const PARALLEL_ENCODES = 4;

/**
 * Inlines the run's images as data URIs, read from the datasets and runs folders by their URLs. A URL
 * that leaves its folder or names a missing or unreadable file yields null (the cell shows no image)
 * rather than failing the whole report.
 */
export class InlineImages implements ImageSource {
  private readonly cache = new Map<string, Promise<unknown>>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly folders: { datasets: string; runs: string }) {}

  caseImage(url: string | null, role: 'template' | 'avatar'): Promise<string | null> {
    return this.cached(`${role}|${url}`, url, async (input) => {
      const [encoded] = await encodeAll(input, [{ ...REPORT_IMAGE_BUDGET[role], square: role === 'avatar' }]);
      return encoded;
    });
  }

  async output(url: string | null): Promise<{ thumb: string | null; full: string | null }> {
    const both = await this.cached(`output|${url}`, url, async (input) => {
      // One decode, two encodes: the thumbnail and the lightbox image come from the same pixels.
      const [thumb, full] = await encodeAll(input, [
        { ...REPORT_IMAGE_BUDGET.thumb, square: false },
        { ...REPORT_IMAGE_BUDGET.full, square: false },
      ]);
      return { thumb, full };
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

  /** Reads the file of `url` and encodes it once per key; unreadable or undecodable files give null. */
  private cached<T>(
    key: string,
    url: string | null,
    encode: (input: Buffer) => Promise<T>,
  ): Promise<T | null> {
    if (url === null) return Promise.resolve(null);
    let pending = this.cache.get(key) as Promise<T | null> | undefined;
    if (!pending) {
      pending = this.limited(async () => {
        const path = this.pathOf(url);
        if (!path) return null;
        try {
          return await encode(await readFile(path));
        } catch {
          return null;
        }
      });
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= PARALLEL_ENCODES) await new Promise<void>((go) => this.waiting.push(go));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

async function encodeAll(
  input: Buffer,
  sizes: Array<{ width: number; quality: number; square: boolean }>,
): Promise<string[]> {
  const base = sharp(input, { limitInputPixels: 40_000_000 }).rotate();
  return Promise.all(
    sizes.map(async (size) => {
      const resized = size.square
        ? base.clone().resize(size.width, size.width, { fit: 'cover', position: 'attention' })
        : base
            .clone()
            .resize({ width: size.width, height: size.width, fit: 'inside', withoutEnlargement: true });
      // effort 2: about half the encode time of the default for ~5% more bytes (measured in docs/report.md).
      const webp = await resized.webp({ quality: size.quality, effort: 2 }).toBuffer();
      return `data:image/webp;base64,${webp.toString('base64')}`;
    }),
  );
}
