import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { sha256 } from '../core/hash';
import { ANALYSIS_CACHE_BYTES, AnalysisCache } from './analysis-cache';
import type { AnalyzedFace, FaceAnalysis } from './face.types';
import type { RgbImage } from './raster';
import { FaceWorkerPool, type PoolStartInfo } from './face-worker.pool';
import type { WorkerTask } from './worker-task';

/** Images larger than this on their longer side are refused: the detector works on far smaller inputs. */
const MAX_SIDE = 8192;

/**
 * Finds faces in images, offline, with the models shipped inside `@vladmandic/human` on the tfjs WASM
 * backend. Work runs in a pool of worker threads (one per core) so the event loop stays free; each
 * worker loads the models once. Results are cached by the image's content hash, so analyzing the same
 * template or avatar again is free; the cache is this instance's own and holds at most `cacheBytes`. Workers start on first use and are stopped by `close()` (called on
 * module destroy).
 */
@Injectable()
export class FaceAnalyzer implements OnModuleDestroy {
  private pool: FaceWorkerPool | null = null;
  private readonly cache: AnalysisCache;

  constructor(
    private readonly poolSize = availableParallelism(),
    cacheBytes = ANALYSIS_CACHE_BYTES,
  ) {
    this.cache = new AnalysisCache(cacheBytes);
  }

  /**
   * The faces in an encoded image (PNG, JPEG, WebP…), with boxes, 468-point mesh, identity embedding,
   * head pose and expression. Faces are sorted left to right (then top to bottom), so equal images give
   * equal results in equal order. Rejects with a readable error when the image cannot be decoded.
   */
  analyze(image: Buffer): Promise<FaceAnalysis> {
    return this.cached(sha256(image), () => this.decodeAndRun(image));
  }

  /**
   * `analyze` for an image already decoded to packed RGB, without an encoding round trip (the same
   * pixels give the same faces).
   */
  analyzeRgb({ width, height, pixels }: RgbImage): Promise<FaceAnalysis> {
    const key = sha256(
      `rgb ${width}×${height}`,
      Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    );
    return this.cached(key, async () => {
      const faces = await this.ensurePool().run(width, height, pixels);
      return { width, height, faces: faces.sort(byPosition) };
    });
  }

  private cached(key: string, analyze: () => Promise<FaceAnalysis>): Promise<FaceAnalysis> {
    // Failures are not cached: a closed pool or a crash should not poison later calls.
    return this.cache.get(key, analyze);
  }

  /** Bytes the cached analyses hold (an estimate, see `analysisBytes`), and how many there are. */
  cacheUse(): { bytes: number; entries: number; maxBytes: number } {
    return { bytes: this.cache.bytes, entries: this.cache.size, maxBytes: this.cache.maxBytes };
  }

  /**
   * Runs CPU-heavy pixel work (see `WorkerTask`) on the same workers and queue as the analyses, so the
   * event loop stays free and one pool sized to the cores carries all of the scoring. The input is
   * copied to the worker (a job whose worker dies runs again on another). Not cached.
   */
  runTask<I, O>(task: WorkerTask<I, O>, input: I): Promise<O> {
    return this.ensurePool().runTask(task, input);
  }

  /** Starts the workers now instead of on first use; resolves when every worker has loaded its models. */
  warmUp(): Promise<PoolStartInfo> {
    return this.ensurePool().started;
  }

  /**
   * Triangles over the first 468 mesh points (flat index triples), for warping one face onto another.
   */
  async meshTriangles(): Promise<number[]> {
    return (await this.ensurePool().started).triangles;
  }

  /** Stops the workers. Later calls to `analyze` start a fresh pool. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.cache.clear();
    if (pool) await pool.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private ensurePool(): FaceWorkerPool {
    this.pool ??= new FaceWorkerPool(this.poolSize);
    return this.pool;
  }

  private async decodeAndRun(image: Buffer): Promise<FaceAnalysis> {
    let decoded: { data: Buffer; info: sharp.OutputInfo };
    try {
      decoded = await sharp(image, { limitInputPixels: MAX_SIDE * MAX_SIDE })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new Error(`Cannot read the image for face analysis: ${(error as Error).message}`);
    }
    const { width, height } = decoded.info;
    const faces = await this.ensurePool().run(width, height, new Uint8Array(decoded.data));
    return { width, height, faces: faces.sort(byPosition) };
  }
}

function byPosition(a: AnalyzedFace, b: AnalyzedFace): number {
  return a.box[0] - b.box[0] || a.box[1] - b.box[1] || b.score - a.score;
}
