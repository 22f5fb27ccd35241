import type { FaceBox } from '../../../faces/face.types';
import { rasterFromRgb, rgbFromRaster, type Raster, type RgbImage } from '../../../faces/raster';
import { workerTask } from '../../../faces/worker-task';
import { warpFace } from './face-warp';
import { blendInto, featherMask, matchColours } from './seam-blend';
import { triangleSources } from './triangle-sources';

type MeshPoint = [number, number, number];

/** One slot to swap: the avatar's pixels and face, and the template face it replaces. */
export interface FaceSwapSlot {
  avatar: RgbImage;
  /** The avatar face's 468-point mesh, in avatar pixels. */
  sourceMesh: MeshPoint[];
  /** The template face's mesh, in template pixels. */
  targetMesh: MeshPoint[];
  /** The template face's box: the seam's width is a fraction of its size. */
  targetBox: FaceBox;
}

/** Everything the pixel work of a classic swap needs; plain data and byte arrays, so it can cross threads. */
export interface FaceSwapInput {
  template: RgbImage;
  /** Swapped in this order, each onto the result of the previous one. */
  slots: FaceSwapSlot[];
  /** Mesh triangulation (see `FaceAnalyzer.meshTriangles`). */
  triangles: number[];
  /** Seam width as a fraction of the face size. */
  feather: number;
  colourMatch: boolean;
}

/**
 * Warps, colour-matches and blends every slot's avatar face into the template, and returns the result
 * as packed RGB bytes (rounded and clamped), ready for sharp to encode. Full-image pixel loops (a few
 * hundred ms per face), so the tool runs it on the face workers through `SWAP_FACES`, never on the
 * event loop. The canvas stays in floats between slots, so several faces round only once.
 */
export function swapFaces({ template, slots, triangles, feather, colourMatch }: FaceSwapInput): RgbImage {
  const canvas = rasterFromRgb(template);
  for (const slot of slots) {
    swapOne(canvas, rasterFromRgb(slot.avatar), slot, triangles, feather, colourMatch);
  }
  return rgbFromRaster(canvas);
}

/** `swapFaces` as a task for `FaceAnalyzer.runTask`. */
export const SWAP_FACES = workerTask(__filename, { swapFaces });

function swapOne(
  canvas: Raster,
  avatar: Raster,
  slot: FaceSwapSlot,
  triangles: number[],
  feather: number,
  colourMatch: boolean,
): void {
  const { width, height } = canvas;
  const sources = triangleSources(slot.sourceMesh, slot.targetMesh, triangles);
  const warped = warpFace(avatar, sources, slot.targetMesh, triangles, width, height);
  const size = Math.max(slot.targetBox[2], slot.targetBox[3]);
  const alpha = featherMask(warped.coverage, width, height, Math.max(1, feather * size));
  if (colourMatch) matchColours(warped, canvas, alpha);
  blendInto(canvas, warped, alpha);
}
