import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { midlinePlane } from './mesh-mirror';
import { triangleSources } from './triangle-sources';

type Point = [number, number, number];

/** Midline of the synthetic faces below, in image pixels. */
const MID_X = 40;

/**
 * A small curved "face": a 7 × 5 grid of points symmetric about x = MID_X, bulging towards the camera
 * in the middle, and its triangles (two per cell, all wound the same way).
 */
function gridFace(): { mesh: Point[]; triangles: number[] } {
  const mesh: Point[] = [];
  for (let row = 0; row < 5; row++) {
    for (let col = -3; col <= 3; col++) mesh.push([MID_X + col * 10, 20 + row * 10, col * col * 3]);
  }
  const triangles: number[] = [];
  for (let row = 0; row < 4; row++) {
    for (let col = 0; col < 6; col++) {
      const p = row * 7 + col;
      triangles.push(p, p + 1, p + 7, p + 1, p + 8, p + 7);
    }
  }
  return { mesh, triangles };
}

describe('classic swap: which source pixels each triangle reads', () => {
  it('finds the plane a mesh is symmetric about', () => {
    const { mesh } = gridFace();
    const { normal, offset } = midlinePlane(mesh, mesh.length);
    assert.ok(Math.abs(Math.abs(normal[0]) - 1) < 1e-9, `normal ${normal.join(',')}`);
    assert.ok(Math.abs(offset / normal[0] - MID_X) < 1e-9, `plane at x = ${offset / normal[0]}`);
  });

  it('keeps every triangle its own when the source face is frontal', () => {
    const { mesh, triangles } = gridFace();
    const source = mesh.map(([x, y, z]): Point => [x * 0.5 + 3, y * 0.5 + 7, z]);
    const sources = triangleSources(source, mesh, triangles);
    sources.forEach((tri, t) => {
      assert.deepEqual(tri, [
        source[triangles[3 * t]],
        source[triangles[3 * t + 1]],
        source[triangles[3 * t + 2]],
      ]);
    });
  });

  it('fills a half the source turns away with the mirror image of the half it shows', () => {
    const { mesh, triangles } = gridFace();
    // The right half seen almost edge-on, as on a head turned far to the side.
    const source = mesh.map(([x, y, z]): Point => [x > MID_X ? MID_X + (x - MID_X) * 0.1 : x, y, z]);
    const sources = triangleSources(source, mesh, triangles);
    sources.forEach((tri, t) => {
      const corners = [0, 1, 2].map((k) => mesh[triangles[3 * t + k]]);
      const right = corners.reduce((sum, p) => sum + p[0] - MID_X, 0) > 0;
      corners.forEach((p, k) => {
        // Left of the midline the source is the destination itself, so a mirrored corner reads
        // the source at the destination corner's reflection.
        const expected = right ? 2 * MID_X - p[0] : source[triangles[3 * t + k]][0];
        assert.ok(
          Math.abs(tri[k][0] - expected) < 1e-6,
          `triangle ${t} corner ${k}: x ${tri[k][0]}, not ${expected}`,
        );
        assert.ok(
          Math.abs(tri[k][1] - p[1]) < 1e-6,
          `triangle ${t} corner ${k}: y ${tri[k][1]}, not ${p[1]}`,
        );
      });
    });
  });
});
