import { EXPRESSION_NAMES, type AnalyzedFace } from '../faces/face.types';
import { boxIou } from '../faces/slot-match';
import { CALIBRATION } from './score.weights';

/** How well the output face keeps the template face's pose, expression and place, each 0–1. */
export interface AttributeScore {
  pose: number;
  expression: number;
  placement: number;
}

/**
 * Pose: exp(-(d/s)²) of the largest yaw, pitch or roll difference d, s = `CALIBRATION.attributes.poseScale`. Expression: 1 minus the total-variation distance of the
 * two emotion distributions. Placement: overlap of the two face boxes (the head stays where it was).
 */
export function attributeScore(o: AnalyzedFace, t: AnalyzedFace): AttributeScore {
  const { poseScale, placementLo, placementHi } = CALIBRATION.attributes;
  const angle = Math.max(
    Math.abs(o.pose.yaw - t.pose.yaw),
    Math.abs(o.pose.pitch - t.pose.pitch),
    Math.abs(o.pose.roll - t.pose.roll),
  );
  // Gaussian fall-off: small differences cost little, large ones nearly everything, but never exactly 0,
  // so a wrong pose is not scored like a missing face.
  const pose = Math.exp(-((angle / poseScale) ** 2));
  let distance = 0;
  for (const name of EXPRESSION_NAMES) distance += Math.abs(o.expression[name] - t.expression[name]);
  const expression = Math.max(0, 1 - distance / 2);
  const iou = boxIou(o.box, t.box);
  const placement = Math.max(0, Math.min(1, (iou - placementLo) / (placementHi - placementLo)));
  return { pose, expression, placement };
}
