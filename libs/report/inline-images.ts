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
  private readonly cache = new Map<string, Promise<string | null>>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly folders: { datasets: string; runs: string }) {}

  caseImage(url: string | null, role: 'template' | 'avatar'): Promise<string | null> {
    return this.encode(url, REPORT_IMAGE_BUDGET[role], role === 'avatar');
  }

  async output(url: string | null): Promise<{ thumb: string | null; full: string | null }> {
    const [thumb, full] = await Promise.all([
      this.encode(url, REPORT_IMAGE_BUDGET.thumb, false),
      this.encode(url, REPORT_IMAGE_BUDGET.full, false),
    ]);
    return { thumb, full };
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

  private encode(url: string | null, size: { width: number; quality: number }, square: boolean): Promise<string | null> {
    if (url === null) return Promise.resolve(null);
    const key = `${url}|${size.width}|${square}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.limited(() => this.readAndEncode(url, size, square));
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async readAndEncode(url: string, size: { width: number; quality: number }, square: boolean): Promise<string | null> {
    const path = this.pathOf(url);
    if (!path) return null;
    try {
      const input = await readFile(path);
      const image = sharp(input, { limitInputPixels: 40_000_000 }).rotate();
      const resized = square
        ? image.resize(size.width, size.width, { fit: 'cover', position: 'attention' })
        : image.resize({ width: size.width, height: size.width, fit: 'inside', withoutEnlargement: true });
      const webp = await resized.webp({ quality: size.quality, effort: 4 }).toBuffer();
      return `data:image/webp;base64,${webp.toString('base64')}`;
    } catch {
      return null;
    }
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
