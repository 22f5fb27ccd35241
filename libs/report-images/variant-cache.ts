import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFileWriter, writeFileAtomic } from '../core/atomic-write';
import { sha256 } from '../core/hash';
import { processAlive } from '../core/process-alive';
import {
  encodeCaseImage,
  encodeOutput,
  variantSpec,
  type CaseImageRole,
  type OutputVariants,
  type ReportVariant,
} from './report-variants';

/** The cache's folder inside the runs folder; a dot folder, so the server never serves it. */
export const VARIANT_CACHE_FOLDER = '.report-cache';

/** Digest of an image file's bytes: half of every cache key, and how an export shares equal files. */
export function sourceDigest(source: Buffer): string {
  return sha256(source);
}

/**
 * Content-addressed store of the report's WebP images: `<root>/<ab>/<key>.webp`, where the key is the
 * SHA-256 of the variant's spec (`variantSpec`) and of the source's bytes. The runner fills it when an
 * output is stored; an export reads it, and encodes (and stores) whatever is missing, so a report is the
 * same bytes either way.
 *
 * It is only ever a shortcut: an entry is written to `<root>/tmp/` and renamed into place, a missing or
 * malformed entry is encoded again, and a failed write is counted, not thrown. Deleting the folder is
 * always safe.
 */
export class VariantCache {
  /** Sources encoded here (a miss); for logs, tests and the bench. */
  encoded = 0;
  /** Sources whose variants were all read from the cache. */
  reused = 0;
  /** Entries that could not be stored (read-only or full disk); the images were served anyway. */
  unwritten = 0;

  /**
   * @param root the cache folder (`<runs>/.report-cache`)
   * @param parallel encode an output's two variants at once (export) or one after the other (runner)
   */
  constructor(
    readonly root: string,
    private readonly parallel = true,
  ) {}

  /** The thumbnail and full size of an output image. Throws only when the source cannot be decoded. */
  async output(source: Buffer, digest = sourceDigest(source)): Promise<OutputVariants> {
    const thumbKey = this.key('thumb', digest);
    const fullKey = this.key('full', digest);
    const [thumb, full] = await Promise.all([this.read(thumbKey), this.read(fullKey)]);
    if (thumb && full) {
      this.reused++;
      return { thumb, full };
    }
    this.encoded++;
    // Both come from one decode, so a miss of either encodes both; only the missing one is stored.
    const made = await encodeOutput(source, this.parallel);
    await Promise.all([thumb ?? this.write(thumbKey, made.thumb), full ?? this.write(fullKey, made.full)]);
    return made;
  }

  /** A template or avatar at its report size. Throws only when the source cannot be decoded. */
  async caseImage(source: Buffer, role: CaseImageRole, digest = sourceDigest(source)): Promise<Buffer> {
    const key = this.key(role, digest);
    const cached = await this.read(key);
    if (cached) {
      this.reused++;
      return cached;
    }
    this.encoded++;
    const webp = await encodeCaseImage(source, role);
    await this.write(key, webp);
    return webp;
  }

  /**
   * Removes the temp files of writes that a killed process never finished (temp names carry the
   * writer's pid; a live writer's files stay).
   */
  async removePartials(): Promise<void> {
    const names = await readdir(join(this.root, 'tmp')).catch(() => [] as string[]);
    const orphans = names.filter((name) => !processAlive(tempFileWriter(name) ?? 0));
    await Promise.all(orphans.map((name) => rm(join(this.root, 'tmp', name), { force: true })));
  }

  private key(variant: ReportVariant, digest: string): string {
    return sha256(variantSpec(variant), digest);
  }

  private entryPath(key: string): string {
    return join(this.root, key.slice(0, 2), `${key}.webp`);
  }

  /** The entry's bytes, or null when it is missing or not a whole WebP file (then it is made again). */
  private async read(key: string): Promise<Buffer | null> {
    const bytes = await readFile(this.entryPath(key)).catch(() => null);
    return bytes && isWholeWebp(bytes) ? bytes : null;
  }

  private async write(key: string, webp: Buffer): Promise<void> {
    // The temp file goes to tmp/, where the sweep finds what a killed writer left (by the pid in its name).
    // No flush: `read` checks every entry is a whole WebP file and a bad one is encoded again.
    const options = { tempFolder: join(this.root, 'tmp'), flush: false };
    await writeFileAtomic(this.entryPath(key), webp, options).catch(() => {
      this.unwritten++;
    });
  }
}

/**
 * Whether `bytes` is a complete RIFF/WebP file: the RIFF header's length matches the file's. Catches a
 * truncated or overwritten entry without decoding it (decoding every entry would cost what the cache saves).
 */
export function isWholeWebp(bytes: Buffer): boolean {
  return (
    bytes.length >= 20 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP' &&
    bytes.readUInt32LE(4) + 8 === bytes.length
  );
}
