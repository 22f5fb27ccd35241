type Point = [number, number, number];
type Vec = [number, number, number];

/** The plane of a face's bilateral symmetry: points `p` with `dot(normal, p) = offset`. */
export interface MidlinePlane {
  /** Unit length. */
  normal: Vec;
  offset: number;
}

/** Refinements of the plane; it settles within two or three on any real mesh. */
const PLANE_ITERATIONS = 5;

/**
 * The midline plane of a face mesh's first `count` points, derived from the mesh's own geometry (no
 * landmark table): start with the plane through the centroid facing the image's x axis, pair every
 * point with the point nearest its reflection, then refit the plane to those pairs (its normal is their
 * mean difference, it passes through their mid-points) and pair again. Individual pairs may be a
 * neighbour off, but the plane averages over all of them. Best on a near-frontal mesh, where both
 * halves are measured.
 */
export function midlinePlane(mesh: Point[], count: number): MidlinePlane {
  const points = mesh.slice(0, count);
  const sum: Vec = [0, 0, 0];
  for (const p of points) for (let c = 0; c < 3; c++) sum[c] += p[c] / points.length;
  let plane: MidlinePlane = { normal: [1, 0, 0], offset: sum[0] };
  for (let it = 0; it < PLANE_ITERATIONS; it++) {
    const diff: Vec = [0, 0, 0];
    const mid: Vec = [0, 0, 0];
    points.forEach((p) => {
      const q = nearest(points, reflect(plane, p));
      // Each pair counts twice (once from each end): orient both along the current normal.
      const sign = side(plane, p) >= side(plane, q) ? 1 : -1;
      for (let c = 0; c < 3; c++) {
        diff[c] += sign * (p[c] - q[c]);
        mid[c] += (p[c] + q[c]) / 2 / points.length;
      }
    });
    const length = Math.hypot(...diff);
    if (length === 0) break;
    const normal: Vec = [diff[0] / length, diff[1] / length, diff[2] / length];
    plane = { normal, offset: dot(normal, mid) };
  }
  return plane;
}

/** Signed distance of `p` from the plane: positive on the side the normal points to. */
export function side({ normal, offset }: MidlinePlane, p: Point | Vec): number {
  return dot(normal, p) - offset;
}

/** `p` reflected in the plane. */
export function reflect(plane: MidlinePlane, p: Point | Vec): Vec {
  const d = 2 * side(plane, p);
  const { normal } = plane;
  return [p[0] - d * normal[0], p[1] - d * normal[1], p[2] - d * normal[2]];
}

function nearest(points: Point[], target: Vec): Point {
  let best = points[0];
  let bestSq = Infinity;
  for (const q of points) {
    const sq = (q[0] - target[0]) ** 2 + (q[1] - target[1]) ** 2 + (q[2] - target[2]) ** 2;
    if (sq < bestSq) {
      bestSq = sq;
      best = q;
    }
  }
  return best;
}

function dot(a: Vec | Point, b: Vec | Point): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
