import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expressionGeometry } from './face-expression';

type Point = [number, number, number];

/** A frontal face in image pixels (y down), only the mesh points the measures use; the rest at 0. */
function face(change: Partial<Record<number, Point>> = {}): Point[] {
  const points: Record<number, Point> = {
    10: [100, 40, 0], // forehead
    152: [100, 200, 0], // chin
    33: [50, 90, 0],
    133: [80, 90, 0],
    159: [65, 84, 0],
    145: [65, 96, 0],
    362: [120, 90, 0],
    263: [150, 90, 0],
    386: [135, 84, 0],
    374: [135, 96, 0],
    13: [100, 160, 0],
    14: [100, 164, 0],
    61: [80, 162, 0],
    291: [120, 162, 0],
    ...change,
  };
  return Array.from({ length: 468 }, (_, i) => points[i] ?? [0, 0, 0]);
}

/** Turns the head by `yaw` about the vertical axis through (100, ·, 0), scales it and moves it. */
function turnScaleMove(mesh: Point[], yaw: number, scale: number): Point[] {
  return mesh.map(([x, y, z]): Point => {
    const dx = x - 100;
    return [
      300 + scale * (dx * Math.cos(yaw) + z * Math.sin(yaw)),
      20 + scale * y,
      scale * (-dx * Math.sin(yaw) + z * Math.cos(yaw)),
    ];
  });
}

describe('expressionGeometry', () => {
  it('does not change with the face size, its place or a turn of the head', () => {
    const still = expressionGeometry(face());
    const moved = expressionGeometry(turnScaleMove(face(), 0.6, 2.5));
    for (const name of Object.keys(still) as Array<keyof typeof still>)
      assert.ok(Math.abs(moved[name] - still[name]) < 1e-9, `${name}: ${still[name]} → ${moved[name]}`);
  });

  it('reads an opened mouth, a smile and a closed eye', () => {
    const still = expressionGeometry(face());
    assert.ok(expressionGeometry(face({ 14: [100, 184, 0] })).mouthOpen > still.mouthOpen + 0.2);
    const smile = expressionGeometry(face({ 61: [74, 152, 0], 291: [126, 152, 0] }));
    assert.ok(smile.mouthCornerLift > still.mouthCornerLift + 0.1 && smile.mouthWidth > still.mouthWidth);
    const wink = expressionGeometry(face({ 386: [135, 89, 0], 374: [135, 91, 0] }));
    assert.ok(wink.leftEyeOpen < still.leftEyeOpen / 2);
    assert.equal(wink.rightEyeOpen, still.rightEyeOpen);
  });
});
