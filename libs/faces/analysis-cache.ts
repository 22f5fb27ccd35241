import { LRUCache } from 'lru-cache';
import type { FaceAnalysis } from './face.types';

/** Default memory for finished analyses: about 560 one-face images (a 478-point mesh and a 1024-d embedding each). */
export const ANALYSIS_CACHE_BYTES = 48 * 2 ** 20;

/**
 * Bytes an analysis holds on the V8 heap, estimated from its shape. An analysis arrives from a worker by
 * structured clone, which boxes every number: a mesh point is an array (32 bytes) with its backing store
 * (40) and three heap numbers (48) behind an 8-byte slot, an embedding value a heap number (16) behind a
 * slot (8); then the boxes, pose and expression of each face and the analysis object. Measured on such
 * a clone: 83 KB for one face, against 87 KB estimated.
 */
export function analysisBytes(analysis: FaceAnalysis): number {
  let bytes = 256;
  for (const face of analysis.faces) bytes += 1024 + face.mesh.length * 128 + face.embedding.length * 24;
  return bytes;
}

/**
 * Face analyses by key (an image's content hash), least recently used first out once the finished ones
 * pass a byte budget. An analysis still running is shared by every caller that asks for the same key; one
 * that fails is forgotten, so the next call runs it again.
 */
export class AnalysisCache {
  private readonly done: LRUCache<string, FaceAnalysis>;
  private readonly running = new Map<string, Promise<FaceAnalysis>>();

  constructor(readonly maxBytes = ANALYSIS_CACHE_BYTES) {
    this.done = new LRUCache<string, FaceAnalysis>({ maxSize: maxBytes, sizeCalculation: analysisBytes });
  }

  /** The analysis of `key`: the cached one, the one running, or a new one from `analyze`. */
  get(key: string, analyze: () => Promise<FaceAnalysis>): Promise<FaceAnalysis> {
    const known = this.done.get(key);
    if (known) return Promise.resolve(known);
    const running = this.running.get(key);
    if (running) return running;
    const analysis = analyze();
    this.running.set(key, analysis);
    analysis.then(
      (result) => {
        // Not when `clear()` came in between: a closed analyzer keeps nothing.
        if (this.running.get(key) !== analysis) return;
        this.running.delete(key);
        this.done.set(key, result);
      },
      () => {
        if (this.running.get(key) === analysis) this.running.delete(key);
      },
    );
    return analysis;
  }

  /** Bytes the finished analyses hold, by the estimate of `analysisBytes`. */
  get bytes(): number {
    return this.done.calculatedSize;
  }

  /** How many finished analyses are kept. */
  get size(): number {
    return this.done.size;
  }

  clear(): void {
    this.done.clear();
    this.running.clear();
  }
}
