import type { FaceBox } from './face.types';

/** Intersection over union of two boxes, 0–1. */
export function boxIou(a: FaceBox, b: FaceBox): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Pairs each slot box with at most one face box so that the summed overlap is largest (Hungarian
 * method). Pairs whose IoU is below `minIou` are dropped: that slot has no face. Returns, per slot,
 * the index of its face or -1.
 */
export function matchSlots(slots: readonly FaceBox[], faces: readonly FaceBox[], minIou = 0.05): number[] {
  const n = Math.max(slots.length, faces.length);
  if (slots.length === 0) return [];
  // Square cost matrix; padding rows/columns cost 0 overlap.
  const cost = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) =>
      i < slots.length && j < faces.length ? -boxIou(slots[i], faces[j]) : 0,
    ),
  );
  const assignment = hungarian(cost);
  return slots.map((slot, i) => {
    const j = assignment[i];
    return j < faces.length && boxIou(slot, faces[j]) >= minIou ? j : -1;
  });
}

/** Minimum-cost perfect assignment on a square matrix (Kuhn–Munkres, O(n³)). Row i gets column result[i]. */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(n + 1).fill(0);
  const p = new Array<number>(n + 1).fill(0);
  const way = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(n + 1).fill(Infinity);
    const used = new Array<boolean>(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] > 0) result[p[j] - 1] = j - 1;
  return result;
}
