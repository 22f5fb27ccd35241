import { LRUCache } from 'lru-cache';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { sha256 } from '../core/hash';
import type { CaseManifest } from './test-case';

/** Largest image the loader accepts, in pixels; bigger files are refused before they are decoded. */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** Default memory for the bytes of images already checked: the templates and avatars of a few dozen cases. */
export const CHECKED_IMAGES_BYTES = 48 * 2 ** 20;
/** Default memory for known content hashes (a manifest's JSON and its images' keys, then the hash). */
export const KNOWN_HASHES_BYTES = 2 * 2 ** 20;

/** An image of a case, read and decoded once. */
export interface LoadedImage {
  path: string;
  bytes: Buffer;
  width: number;
  height: number;
  /** Path, size and modification time: the same key means the same bytes. */
  key: string;
}

/** Byte budgets of the two caches. */
export interface CaseImagesBudget {
  imageBytes?: number;
  hashBytes?: number;
}

/**
 * Reads and checks case images, and hashes a case's content, remembering both so that listing cases
 * (every page load) neither decodes nor hashes every template again — 50 cases are tens of MB of PNG.
 * Both caches are least recently used first out past a byte budget, and belong to one instance (one
 * cases service), so two applications in one process do not share them. An image is known by its path,
 * size and modification time: a file changed on disk is read and checked again.
 */
export class CaseImages {
  private readonly checked: LRUCache<string, LoadedImage>;
  private readonly hashes: LRUCache<string, string>;

  constructor({ imageBytes = CHECKED_IMAGES_BYTES, hashBytes = KNOWN_HASHES_BYTES }: CaseImagesBudget = {}) {
    this.checked = new LRUCache<string, LoadedImage>({
      maxSize: imageBytes,
      sizeCalculation: (image) => image.bytes.length + 2 * (image.path.length + image.key.length) + 128,
    });
    this.hashes = new LRUCache<string, string>({
      maxSize: hashBytes,
      sizeCalculation: (hash, key) => 2 * (key.length + hash.length) + 64,
    });
  }

  /** Bytes (by the caches' own estimates) and entries held now. */
  use(): { imageBytes: number; images: number; hashBytes: number; hashes: number } {
    return {
      imageBytes: this.checked.calculatedSize,
      images: this.checked.size,
      hashBytes: this.hashes.calculatedSize,
      hashes: this.hashes.size,
    };
  }

  /** The content hash of a case: its manifest and the bytes of its images. */
  contentHash(manifest: CaseManifest, template: LoadedImage, avatars: LoadedImage[]): string {
    const json = JSON.stringify(manifest);
    const key = [json, template.key, ...avatars.map((a) => a.key)].join('\u0000');
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = sha256(json, template.bytes, ...avatars.map((a) => a.bytes));
      this.hashes.set(key, hash);
    }
    return hash;
  }

  /** Reads `file` of the case folder `dir` and checks that it is a whole PNG, JPEG or WebP image. */
  async read(dir: string, file: string): Promise<LoadedImage | { error: string }> {
    const path = join(dir, file);
    let bytes: Buffer;
    let key: string;
    try {
      const info = await stat(path);
      if (!info.isFile()) return { error: `"${file}" is not a file` };
      key = `${path}:${info.size}:${info.mtimeMs}`;
      const known = this.checked.get(key);
      if (known) return known;
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { error: code === 'ENOENT' ? `"${file}" does not exist` : `"${file}" cannot be read (${code})` };
    }
    try {
      const meta = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
      if (!meta.width || !meta.height) return { error: `"${file}" has no size` };
      if (!['png', 'jpeg', 'webp'].includes(meta.format ?? '')) {
        return { error: `"${file}" is ${meta.format ?? 'an unknown format'}; use PNG, JPEG or WebP` };
      }
      // Decode fully once: a truncated file passes the header check but fails here.
      await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).raw().toBuffer();
      const image = { path, bytes, width: meta.width, height: meta.height, key };
      this.checked.set(key, image);
      return image;
    } catch (error) {
      return { error: `"${file}" is not a readable image (${(error as Error).message})` };
    }
  }
}
