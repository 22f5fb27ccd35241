/**
 * A face's expression read from its mesh: how open the mouth and the eyes are, how wide the mouth is
 * and how far its corners are drawn up, each as a ratio of lengths on the face itself, so the measures
 * do not depend on the face's size in the image. Distances are taken in 3D (the mesh's depth is in
 * pixels too), so turning the head changes them little.
 */
export interface ExpressionGeometry {
  /** Gap between the inner lips, in inter-ocular distances. */
  mouthOpen: number;
  /** Distance between the mouth corners, in inter-ocular distances. */
  mouthWidth: number;
  /** Lid gap over eye width, the face's left eye (image right). */
  leftEyeOpen: number;
  /** Lid gap over eye width, the face's right eye (image left). */
  rightEyeOpen: number;
  /** Height of the mouth corners above the lips' centre along the face's chin-to-forehead axis, in inter-ocular distances (a smile is positive). */
  mouthCornerLift: number;
}

type Point = readonly [number, number, number];

/** MediaPipe FaceMesh indices of the points the measures are taken from. */
const MESH = {
  innerLipTop: 13,
  innerLipBottom: 14,
  mouthRight: 61,
  mouthLeft: 291,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  rightEyeTop: 159,
  rightEyeBottom: 145,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  leftEyeTop: 386,
  leftEyeBottom: 374,
  forehead: 10,
  chin: 152,
} as const;

/** Measures the expression of one face from its 468-point (or longer) mesh. */
export function expressionGeometry(mesh: readonly Point[]): ExpressionGeometry {
  const p = (name: keyof typeof MESH) => mesh[MESH[name]];
  const interOcular = distance(
    middle(p('rightEyeOuter'), p('rightEyeInner')),
    middle(p('leftEyeInner'), p('leftEyeOuter')),
  );
  const up = unit(minus(p('forehead'), p('chin')));
  const lipsCentre = middle(p('innerLipTop'), p('innerLipBottom'));
  const corners = middle(p('mouthRight'), p('mouthLeft'));
  return {
    mouthOpen: distance(p('innerLipTop'), p('innerLipBottom')) / interOcular,
    mouthWidth: distance(p('mouthRight'), p('mouthLeft')) / interOcular,
    leftEyeOpen:
      distance(p('leftEyeTop'), p('leftEyeBottom')) / distance(p('leftEyeInner'), p('leftEyeOuter')),
    rightEyeOpen:
      distance(p('rightEyeTop'), p('rightEyeBottom')) / distance(p('rightEyeOuter'), p('rightEyeInner')),
    mouthCornerLift: dot(minus(corners, lipsCentre), up) / interOcular,
  };
}

function minus(a: Point, b: Point): Point {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function middle(a: Point, b: Point): Point {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}

function dot(a: Point, b: Point): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function distance(a: Point, b: Point): number {
  return Math.hypot(...minus(a, b));
}

function unit(a: Point): Point {
  const length = Math.hypot(...a) || 1;
  return [a[0] / length, a[1] / length, a[2] / length];
}
