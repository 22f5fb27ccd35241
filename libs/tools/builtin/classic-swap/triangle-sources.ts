import { midlinePlane, reflect, side } from './mesh-mirror';

type Point = [number, number, number];

/** Where one destination triangle's corners are read from in the source image (x, y; z unused). */
export type TriangleSource = [Point, Point, Point];

/**
 * How much a source triangle may be foreshortened, relative to its destination, and still count as
 * seen: below this share of the expected area, a handful of pixels would be stretched over the whole
 * destination triangle.
 */
const MIN_AREA_RATIO = 0.35;

/**
 * A face half counts as hidden when fewer than this share of its triangles are seen. Frontal faces see
 * about 90% of each half (the rest are eyelids and lips squeezed by a different expression); a face
 * in near-profile sees under 10% of its far half.
 */
const MIN_SEEN_SHARE = 0.5;

/**
 * Where each destination triangle reads its pixels in the source image: one entry per triangle, in
 * `triangles` order. Normally the same triangle of the source mesh.
 *
 * A source triangle is seen when it faces the camera as the destination does (same 2D winding) and is
 * not collapsed: its image area, relative to the destination's, is at least `MIN_AREA_RATIO` of what
 * the two faces' overall sizes predict. When the source head is turned so far that one half of the
 * face (split by the destination's midline plane) is mostly not seen while the other is, the hidden
 * half is filled with the mirror image of the seen half instead: each corner reads the source where
 * its reflection in the destination's midline falls on the seen half. Reflecting through the
 * destination's own warp keeps the mapping continuous, so neighbouring triangles still meet.
 */
export function triangleSources(
  sourceMesh: Point[],
  destMesh: Point[],
  triangles: number[],
): TriangleSource[] {
  const corners: Array<[number, number, number]> = [];
  for (let t = 0; t + 2 < triangles.length; t += 3)
    corners.push([triangles[t], triangles[t + 1], triangles[t + 2]]);
  const own = corners.map((c): TriangleSource => [sourceMesh[c[0]], sourceMesh[c[1]], sourceMesh[c[2]]]);
  const dest = corners.map((c): TriangleSource => [destMesh[c[0]], destMesh[c[1]], destMesh[c[2]]]);
  const total = (tris: TriangleSource[]) => tris.reduce((sum, tri) => sum + Math.abs(signedArea(tri)), 0);
  const destTotal = total(dest);
  const scale = destTotal > 0 ? total(own) / destTotal : 0;
  const seen = own.map((tri, t) => {
    const expected = signedArea(dest[t]) * scale;
    return expected !== 0 && signedArea(tri) / expected >= MIN_AREA_RATIO;
  });

  const plane = midlinePlane(destMesh, Math.max(...triangles) + 1);
  const half = dest.map((tri) => Math.sign(tri.reduce((sum, p) => sum + side(plane, p), 0)));
  const seenShare = (sign: number): number => {
    const members = half.flatMap((h, t) => (h === sign ? [seen[t]] : []));
    return members.filter(Boolean).length / Math.max(1, members.length);
  };
  const [negative, positive] = [seenShare(-1), seenShare(1)];
  let hidden = 0;
  if (negative < MIN_SEEN_SHARE && positive >= MIN_SEEN_SHARE) hidden = -1;
  if (positive < MIN_SEEN_SHARE && negative >= MIN_SEEN_SHARE) hidden = 1;
  if (hidden === 0) return own;

  const shown = dest.flatMap((_, t) => (half[t] === hidden ? [] : [t]));
  /** The source point the seen half's warp puts at destination point `p`. */
  const sourceAt = (p: Point): Point => {
    // The containing triangle, or (for points just outside the seen half) the nearest one, extended.
    let best = shown[0];
    let bestInside = -Infinity;
    for (const t of shown) {
      const inside = Math.min(...barycentric(dest[t], p));
      if (inside > bestInside) {
        bestInside = inside;
        best = t;
      }
    }
    const weights = barycentric(dest[best], p);
    const [a, b, c] = own[best];
    return [0, 1, 2].map((k) => weights[0] * a[k] + weights[1] * b[k] + weights[2] * c[k]) as Point;
  };
  return own.map((tri, t) =>
    half[t] === hidden ? (dest[t].map((p) => sourceAt(reflect(plane, p))) as TriangleSource) : tri,
  );
}

/** Signed image-plane area (x right, y down): its sign is the triangle's winding. */
function signedArea([a, b, c]: TriangleSource): number {
  return ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2;
}

/** Barycentric coordinates of `p` (x, y) in the triangle; all ≥ 0 inside it. */
function barycentric([a, b, c]: TriangleSource, p: Point): [number, number, number] {
  const det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
  if (Math.abs(det) < 1e-9) return [-Infinity, -Infinity, -Infinity];
  const u = ((b[1] - c[1]) * (p[0] - c[0]) + (c[0] - b[0]) * (p[1] - c[1])) / det;
  const v = ((c[1] - a[1]) * (p[0] - c[0]) + (a[0] - c[0]) * (p[1] - c[1])) / det;
  return [u, v, 1 - u - v];
}
