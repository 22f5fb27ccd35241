import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { TestCase } from '../cases/test-case';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { AnalyzedFace, FaceBox } from '../faces/face.types';
import { analyzeRegion } from '../faces/face-region';
import { readRgb } from '../faces/raster';
import { lookUpSlotFaces } from '../faces/slot-face.lookup';
import { matchSlots } from '../faces/slot-match';
import { attributeScore } from './attribute.score';
import { identityScore, ramp } from './identity.score';
import { IMAGE_MEASURES } from './image-measures.task';
import { combineParts } from './score.combine';
import { CALIBRATION, SCORER_VERSION, WEIGHTS, type ScorePart } from './score.weights';
import { SwapEvaluator, type SwapScore } from './swap-evaluator';

type PersonPart = 'identity_transfer' | 'identity_match' | 'assignment' | 'pose' | 'expression' | 'placement';
const PERSON_PARTS: PersonPart[] = [
  'identity_transfer',
  'identity_match',
  'assignment',
  'pose',
  'expression',
  'placement',
];

/**
 * The machine score: faces of the template, the avatars and the output are analyzed offline, each
 * template slot is matched to an output face, and person-level parts (identity, assignment, pose,
 * expression, placement) and image-level parts (background, seams, sharpness) are combined by a
 * weighted geometric mean. See docs/score.md. Same inputs always give the same score.
 */
@Injectable()
export class FaceSwapEvaluator extends SwapEvaluator {
  readonly version = SCORER_VERSION;

  constructor(private readonly faces: FaceAnalyzer) {
    super();
  }

  async unscorable(testCase: TestCase): Promise<string[]> {
    const [template, avatars] = await Promise.all([
      readFile(testCase.templatePath),
      Promise.all(testCase.avatarPaths.map((p) => readFile(p))),
    ]);
    const found = await lookUpSlotFaces(this.faces, testCase.slots, { template, avatars });
    return 'problems' in found ? found.problems : [];
  }

  async evaluate(testCase: TestCase, outputPath: string, signal?: AbortSignal): Promise<SwapScore> {
    const { width, height } = testCase;
    const [templateBytes, avatarBytes, outputBytes] = await Promise.all([
      readFile(testCase.templatePath),
      Promise.all(testCase.avatarPaths.map((p) => readFile(p))),
      readFile(outputPath).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`Cannot read the output image ${outputPath}: ${error.code ?? error.message}`);
      }),
    ]);
    // Tools may answer at another size or aspect; the output is judged in the template's frame.
    const output = await sharp(outputBytes)
      .rotate()
      .removeAlpha()
      .resize(width, height, { fit: 'fill' })
      .png({ compressionLevel: 1 })
      .toBuffer()
      .catch((error: Error) => {
        throw new Error(`The output image ${outputPath} cannot be decoded: ${error.message}`);
      });
    const [found, outputFaces] = await Promise.all([
      lookUpSlotFaces(this.faces, testCase.slots, { template: templateBytes, avatars: avatarBytes }),
      this.faces.analyze(output),
    ]);
    signal?.throwIfAborted();

    if ('problems' in found) throw new Error(`Case ${testCase.id}: ${found.problems.join('; ')}`);
    const templateOf = found.faces.map((f) => f.template);
    const avatarOf = found.faces.map((f) => f.avatar);
    const outputFaceList = [...outputFaces.faces];
    let slotOutput = matchSlots(
      templateOf.map((f) => f.box),
      outputFaceList.map((f) => f.box),
      CALIBRATION.image.minSlotIou,
    );
    // A slot left empty gets a second, closer look at its own region before it counts as faceless.
    for (const [i, face] of templateOf.entries()) {
      if (slotOutput[i] >= 0) continue;
      outputFaceList.push(...(await analyzeRegion(this.faces, output, { width, height }, face.box)));
      slotOutput = matchSlots(
        templateOf.map((f) => f.box),
        outputFaceList.map((f) => f.box),
        CALIBRATION.image.minSlotIou,
      );
    }

    const breakdown: Record<string, number> = {};
    const personTotals = Object.fromEntries(PERSON_PARTS.map((p) => [p, 0])) as Record<PersonPart, number>;
    for (const [i, slot] of testCase.slots.entries()) {
      const o = outputFaceList[slotOutput[i]];
      // Assignment is a question only when there are several people to confuse; alone, it is identity.
      const otherAvatars = avatarOf.filter((_, j) => j !== i);
      const parts = o ? personParts(o, avatarOf[i], templateOf[i], otherAvatars) : null;
      for (const part of PERSON_PARTS) {
        const value = parts ? parts[part] : 0;
        breakdown[`slot.${slot.id}.${part}`] = round(value);
        personTotals[part] += value / testCase.slots.length;
      }
      if (parts) {
        breakdown[`slot.${slot.id}.raw_cos_avatar`] = round(parts.cosAvatar);
        breakdown[`slot.${slot.id}.raw_cos_template`] = round(parts.cosTemplate);
      }
    }
    breakdown.faces_found = round(slotOutput.filter((j) => j >= 0).length / testCase.slots.length);

    const image = await imageParts(
      this.faces,
      testCase,
      templateBytes,
      output,
      templateOf,
      outputFaceList,
      slotOutput,
    );
    const parts: Record<ScorePart, number> = { ...personTotals, ...image.parts };
    for (const part of Object.keys(WEIGHTS) as ScorePart[]) breakdown[part] = round(parts[part]);
    Object.assign(breakdown, image.raw);
    return { score: combineParts(parts), breakdown: sortKeys(breakdown) };
  }
}

function personParts(o: AnalyzedFace, a: AnalyzedFace, t: AnalyzedFace, otherAvatars: AnalyzedFace[]) {
  const identity = identityScore(o, a, t, otherAvatars);
  const attributes = attributeScore(o, t);
  return {
    identity_transfer: identity.transfer,
    identity_match: identity.match,
    assignment: identity.assignment,
    ...attributes,
    cosAvatar: identity.cosAvatar,
    cosTemplate: identity.cosTemplate,
  };
}

async function imageParts(
  faces: FaceAnalyzer,
  testCase: TestCase,
  templateBytes: Buffer,
  outputBytes: Buffer,
  templateFaces: AnalyzedFace[],
  outputFaces: AnalyzedFace[],
  slotOutput: number[],
) {
  const c = CALIBRATION.image;
  const { width, height } = testCase;
  // Decoding runs on sharp's threads and the pixel loops on the face workers: the event loop only waits.
  const [template, output] = await Promise.all([
    readRgb(templateBytes, { width, height }),
    readRgb(outputBytes, { width, height }),
  ]);
  const faceBoxes: FaceBox[] = [
    ...templateFaces.map((f) => f.box),
    ...testCase.slots.map((s) => s.box),
    ...slotOutput.filter((j) => j >= 0).map((j) => outputFaces[j].box),
  ];
  const { ssim, colourDiff, seam, hardCut, detail } = await faces.runTask(
    IMAGE_MEASURES,
    { template, output, faceBoxes, templateBoxes: templateFaces.map((f) => f.box) },
    [template.pixels.buffer as ArrayBuffer, output.pixels.buffer as ArrayBuffer],
  );
  return {
    parts: {
      // Structure and colour both: a different photo with a similar dark backdrop keeps a middling SSIM.
      background:
        ramp(ssim, c.backgroundLo, c.backgroundHi) *
        ramp(-colourDiff, -c.colourDiffZeroAt, -c.colourDiffFullAt),
      // Two signs of a seam: edges the template lacks around the face, and an edit that stops abruptly.
      seams: newEdgeScore(seam) * hardCutScore(mean(hardCut)),
      // Laplacian energy falls by decades under blur; a log scale keeps each step of blur visible.
      sharpness: ramp(Math.log10(Math.max(detail, 1e-6)), Math.log10(c.detailLo), Math.log10(c.detailHi)),
    },
    raw: {
      raw_background_ssim: round(ssim),
      raw_background_colour_diff: round(colourDiff),
      raw_seam_excess: round(seam),
      raw_seam_hard_cut: round(mean(hardCut)),
      raw_detail_ratio: round(detail),
    },
  };
}

/**
 * The excess edge ratio around the faces mapped to 0–1: each `seamScale` of it divides the part by e.
 * It never reaches 0: edges the template lacks are a flaw to weigh, not a missing face, and a part at 0
 * would make every output past some amount of grain tie at a score of 0.
 */
function newEdgeScore(excess: number): number {
  return Math.exp(-excess / CALIBRATION.image.seamScale);
}

/**
 * The hard-cut share of the face outline mapped to 0–1: up to `hardCutTolerated` is free, beyond it the
 * part falls exponentially, so a face pasted with hard edges all round keeps ≈ 0.05 (a pasted face is
 * still more of a swap than the untouched template, which the geometric mean must be able to tell).
 */
function hardCutScore(fraction: number): number {
  const c = CALIBRATION.image;
  return Math.exp(-Math.max(0, fraction - c.hardCutTolerated) / c.hardCutScale);
}

function mean(values: number[]): number {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
