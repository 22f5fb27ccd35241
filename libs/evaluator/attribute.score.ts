import type { ExpressionGeometry } from '../faces/face-expression';
import type { AnalyzedFace } from '../faces/face.types';
import { boxIou } from '../faces/slot-match';
import { CALIBRATION } from './score.calibration';

/** How well the output face keeps the template face's pose, expression and place, each 0–1. */
export interface AttributeScore {
  pose: number;
  expression: number;
  placement: number;
}

/**
 * Pose: exp(-(d/s)²) of the largest yaw, pitch or roll difference d, s = `CALIBRATION.attributes.poseScale`.
 * Expression: exp(-d/s) of the mean difference d of the mesh's expression measures (mouth and eye
 * openings, mouth width, corner lift; see `expressionGeometry`), s = `expressionScale`. Placement: overlap
 * of the two face boxes (the head stays where it was).
 */
export function attributeScore(o: AnalyzedFace, t: AnalyzedFace): AttributeScore {
  const { poseScale, expressionScale, placementLo, placementHi } = CALIBRATION.attributes;
  const angle = Math.max(
    Math.abs(o.pose.yaw - t.pose.yaw),
    Math.abs(o.pose.pitch - t.pose.pitch),
    Math.abs(o.pose.roll - t.pose.roll),
  );
  // Gaussian fall-off: small differences cost little, large ones nearly everything, but never exactly 0,
  // so a wrong pose is not scored like a missing face.
  const pose = Math.exp(-((angle / poseScale) ** 2));
  // Exponential, not Gaussian: the mesh of a damaged face jitters, and a fall-off whose logarithm is
  // linear turns a given jitter into the same small change of the score wherever the face stands.
  const expression = Math.exp(-expressionDistance(o.expression, t.expression) / expressionScale);
  const iou = boxIou(o.box, t.box);
  const placement = Math.max(0, Math.min(1, (iou - placementLo) / (placementHi - placementLo)));
  return { pose, expression, placement };
}

/** Mean absolute difference of the expression measures (all ratios of face lengths, of similar range). */
function expressionDistance(a: ExpressionGeometry, b: ExpressionGeometry): number {
  const names = Object.keys(a) as Array<keyof ExpressionGeometry>;
  return names.reduce((sum, name) => sum + Math.abs(a[name] - b[name]), 0) / names.length;
}
