import { sample, type Raster } from '../../../faces/raster';
import type { TriangleSource } from './triangle-sources';

type Point = [number, number, number];

/** A source face warped into the destination frame: colours where `coverage` is 1, nothing elsewhere. */
export interface WarpedFace {
  pixels: Float32Array;
  /** 1 inside the warped face, 0 outside; same size as the destination. */
  coverage: Float32Array;
}

/**
 * Piecewise-affine warp: every mesh triangle of the destination face is filled affinely from the
 * source image triangle `sources` gives for it (normally the same mesh triangle of the source face; see
 * `triangleSources`). Destination triangles are drawn far-to-near (by mesh depth) so that where the
 * destination head is turned, the visible side wins.
 */
export function warpFace(
  source: Raster,
  sources: TriangleSource[],
  destMesh: Point[],
  triangles: number[],
  width: number,
  height: number,
): WarpedFace {
  const pixels = new Float32Array(width * height * 3);
  const coverage = new Float32Array(width * height);
  const order: number[] = [];
  for (let t = 0; t + 2 < triangles.length; t += 3) order.push(t);
  const depth = (t: number) =>
    destMesh[triangles[t]][2] + destMesh[triangles[t + 1]][2] + destMesh[triangles[t + 2]][2];
  // Larger z is farther from the camera in the mesh's convention; ties keep index order (stable sort).
  order.sort((a, b) => depth(b) - depth(a));
  for (const t of order) {
    const [i, j, k] = [triangles[t], triangles[t + 1], triangles[t + 2]];
    drawTriangle(
      source,
      sources[t / 3],
      [destMesh[i], destMesh[j], destMesh[k]],
      pixels,
      coverage,
      width,
      height,
    );
  }
  return { pixels, coverage };
}

function drawTriangle(
  source: Raster,
  src: [Point, Point, Point],
  dst: [Point, Point, Point],
  pixels: Float32Array,
  coverage: Float32Array,
  width: number,
  height: number,
): void {
  const [[x0, y0], [x1, y1], [x2, y2]] = dst;
  const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
  // Degenerate (zero-area) triangles carry no pixels.
  if (Math.abs(det) < 1e-6) return;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1, x2)));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1, y2)));
  const eps = -1e-3;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const b0 = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det;
      const b1 = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det;
      const b2 = 1 - b0 - b1;
      if (b0 < eps || b1 < eps || b2 < eps) continue;
      const sx = b0 * src[0][0] + b1 * src[1][0] + b2 * src[2][0] - 0.5;
      const sy = b0 * src[0][1] + b1 * src[1][1] + b2 * src[2][1] - 0.5;
      const p = y * width + x;
      for (let c = 0; c < 3; c++) pixels[p * 3 + c] = sample(source, sx, sy, c);
      coverage[p] = 1;
    }
  }
}
