import type { ExpressionGeometry } from './face-expression';

/** A face box in image pixels: x, y, width, height. */
export type FaceBox = [number, number, number, number];

/** Head rotation in radians, as estimated from the face mesh. 0/0/0 is a frontal, upright face. */
export interface HeadPose {
  /** Left/right turn; positive turns towards the image's left. */
  yaw: number;
  /** Up/down tilt. */
  pitch: number;
  /** In-plane tilt. */
  roll: number;
}

/** One face found in an image. */
export interface AnalyzedFace {
  /** Tight box around the face mesh (brows to chin, ear to ear as far as visible). */
  box: FaceBox;
  /** The detector's own, looser square box. */
  detectorBox: FaceBox;
  /** Detection confidence, 0–1. */
  score: number;
  /**
   * 468 mesh points `[x, y, z]` in image pixels (MediaPipe FaceMesh). `triangles` indexes them.
   */
  mesh: Array<[number, number, number]>;
  /**
   * Identity embedding (512-d, unit length, from the identity model on the face aligned by its mesh;
   * see identity.model.ts): compare two faces with the cosine of their embeddings.
   */
  embedding: number[];
  pose: HeadPose;
  /** Mouth and eye openings measured on the mesh (see `expressionGeometry`). */
  expression: ExpressionGeometry;
}

/** The faces of one image, in a deterministic order (left to right, then top to bottom). */
export interface FaceAnalysis {
  width: number;
  height: number;
  faces: AnalyzedFace[];
}

/** Message from the pool to a worker: one RGB image to analyze, or one pixel task to run. */
export type FaceWorkerRequest =
  | {
      kind: 'analyze';
      id: number;
      width: number;
      height: number;
      /** Packed RGB bytes, row-major, `width * height * 3` long. */
      pixels: Uint8Array;
    }
  | {
      kind: 'task';
      id: number;
      /** Compiled module and export to call (see `WorkerTask`). */
      module: string;
      exportName: string;
      input: unknown;
    };

/** Message from a worker back to the pool. */
export type FaceWorkerResponse =
  | { kind: 'ready'; loadMs: number; triangles: number[] }
  | { kind: 'fatal'; error: string }
  | { kind: 'result'; id: number; faces: AnalyzedFace[] }
  | { kind: 'task-result'; id: number; output: unknown }
  | { kind: 'error'; id: number; error: string };
