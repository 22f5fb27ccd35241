import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { readFile } from 'node:fs/promises';
import type { TestCase } from '../cases/test-case';
import { LoadingCache } from '../core/loading-cache';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { AnalyzedFace, FaceBox } from '../faces/face.types';
import { analyzeRegion } from '../faces/face-region';
import {
  readRgb,
  readRgbOnce,
  resizeRgb,
  shared,
  shrink,
  type DecodedImage,
  type RgbImage,
} from '../faces/raster';
import { lookUpSlotFaces } from '../faces/slot-face.lookup';
import { boxIou, matchSlots } from '../faces/slot-match';
import { attributeScore } from './attribute.score';
import { identityScore, ramp } from './identity.score';
import { ALIGN_TO_TEMPLATE, measureFactor } from './alignment.task';
import type { ColourMap } from './colour-map';
import type { FaceQualityMeasures } from './face-quality.score';
import { IMAGE_MEASURES } from './image-measures.task';
import { enlargedFace, frameChange, FrameMapping, type FrameChange } from './frame';
import { combineParts } from './score.combine';
import { CALIBRATION, SCORER_VERSION, WEIGHTS, type ScorePart } from './score.calibration';
import { SwapEvaluator, type KnownOutput, type SwapScore } from './swap-evaluator';
import type { ScoreBreakdown } from '../core/run-events';

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
 * The machine score: the output is registered onto the template (shift, scale, rotation and a colour
 * map fitted on the background), faces of the template, the avatars and the colour-mapped output are
 * analyzed offline (the output's where it drew them, then placed in the template's frame), each
 * template slot is matched to an output face, and person-level parts (identity,
 * assignment, pose, expression, placement, face quality; each the worst person's) and image-level
 * parts (background, seams, framing) are combined by a weighted geometric mean, times the identity gate
 * (a slot whose face is not the avatar's person caps the score). See docs/score.md. Same inputs always
 * give the same score.
 */
@Injectable()
export class FaceSwapEvaluator extends SwapEvaluator {
  readonly version = SCORER_VERSION;

  /**
   * What every item of a case shares, by the case's content hash: its slots' faces and its template
   * decoded at full and working size. The template's pixels live in shared memory, so the workers read
   * them without a copy. Only what loaded is kept; a failure (a worker that crashed) is tried again.
   */
  private readonly cases = new LoadingCache<CaseView>(
    CASE_CACHE_BYTES,
    (v) =>
      v.template.bytes.length +
      v.template.full.pixels.byteLength +
      v.template.work.pixels.byteLength +
      (v.template.factor > 1 ? v.template.measure.pixels.byteLength : 0),
  );

  /**
   * Scores by case and output digest (`KnownOutput.digest`). The score is a function of the case and
   * the output's bytes, so an output byte for byte like one scored before (a deterministic tool run
   * again, a tool that answers with the template) is not scored again.
   */
  private readonly scores = new LRUCache<string, SwapScore>({ max: SCORES_KEPT });

  constructor(private readonly faces: FaceAnalyzer) {
    super();
  }

  private caseView(testCase: TestCase): Promise<CaseView> {
    return this.cases.get(testCase.contentHash, () => loadCaseView(this.faces, testCase));
  }

  async unscorable(testCase: TestCase): Promise<string[]> {
    const { found } = await this.caseView(testCase);
    return 'problems' in found ? found.problems : [];
  }

  async evaluate(
    testCase: TestCase,
    outputPath: string,
    signal?: AbortSignal,
    known: KnownOutput = {},
  ): Promise<SwapScore> {
    const key = known.digest === undefined ? undefined : `${testCase.contentHash}/${known.digest}`;
    let result = key === undefined ? undefined : this.scores.get(key);
    if (!result) {
      result = await this.score(testCase, outputPath, signal, known.decoded);
      if (key !== undefined) this.scores.set(key, result);
    }
    return { score: result.score, breakdown: { ...result.breakdown } };
  }

  private async score(
    testCase: TestCase,
    outputPath: string,
    signal: AbortSignal | undefined,
    decoded: DecodedImage | undefined,
  ): Promise<SwapScore> {
    const { width, height } = testCase;
    const { found, template } = await this.caseView(testCase);
    if ('problems' in found) throw new Error(`Case ${testCase.id}: ${found.problems.join('; ')}`);
    const { full, work: workOutput } = await outputPixels(outputPath, template, { width, height }, decoded);
    // In shared memory: the alignment, the face analysis and the measures all read it without a copy.
    const output = shared(full);
    const templateOf = found.faces.map((f) => f.template);
    const avatarOf = found.faces.map((f) => f.avatar);
    signal?.throwIfAborted();

    // Register the output onto the template (generative tools move, re-frame and re-grade the whole
    // frame), then judge everything in the template's frame.
    const c = CALIBRATION.image;
    const {
      registration,
      own,
      image: aligned,
      covered,
    } = await this.faces.runTask(ALIGN_TO_TEMPLATE, {
      workTemplate: template.work,
      workOutput,
      output,
      exclude: [...testCase.slots.map((s) => s.box), ...templateOf.map((f) => f.box)],
      factor: template.factor,
      templateKey: testCase.contentHash,
    });
    // Faces are analyzed where the tool drew them (colour-mapped, at the measures' scale, resampled by
    // no warp), then placed in the template's frame; `ownFaces[j]` is `outputFaceList[j]` where the
    // output drew it, at full size.
    const inFrame = new FrameMapping(registration.transform, width, height, template.factor);
    const ownFaces: AnalyzedFace[] = [];
    const outputFaceList: AnalyzedFace[] = [];
    const add = (faces: AnalyzedFace[]) => {
      const placed = faces.map((f) => inFrame.faceToTemplate(f));
      ownFaces.push(...faces.map((f) => inFrame.ownToFull(f)));
      outputFaceList.push(...placed);
      return placed;
    };
    add((await this.faces.analyzeRgb(own)).faces);
    const closer = async (box: FaceBox) =>
      add(await analyzeRegion(this.faces, own, own, inFrame.boxToOwn(box)));
    // A slot whose template face only a closer look found is looked at the same way in the output.
    const regionFaces = new Map<number, AnalyzedFace[]>();
    for (const [i, f] of found.faces.entries()) if (f.region) regionFaces.set(i, await closer(f.region));
    const match = () =>
      matchSlots(
        templateOf.map((f) => f.box),
        outputFaceList.map((f) => f.box),
        c.minSlotIou,
      ).map((j, i) => {
        const own = regionFaces.get(i);
        if (!own) return j;
        const best = bestOverlap(templateOf[i].box, own, c.minSlotIou);
        // Failing that (a redraw moved or resized a small face), whatever else was found there.
        return best ? outputFaceList.indexOf(best) : j;
      });
    let slotOutput = match();
    // A slot left empty gets a second, closer look at its own region before it counts as faceless.
    for (const [i, face] of templateOf.entries()) {
      if (slotOutput[i] >= 0) continue;
      await closer(face.box);
      slotOutput = match();
    }
    signal?.throwIfAborted();

    const breakdown: ScoreBreakdown = {};
    // Every person counts: a person-level part is its worst slot's, so one ruined or wrong face is not
    // carried by a good one beside it.
    const personWorst = Object.fromEntries(PERSON_PARTS.map((p) => [p, 1])) as Record<PersonPart, number>;
    let gate = 1;
    for (const [i, slot] of testCase.slots.entries()) {
      const o = outputFaceList[slotOutput[i]];
      // Assignment is a question only when there are several people to confuse; alone, it is identity.
      const otherAvatars = avatarOf.filter((_, j) => j !== i);
      const parts = o ? personParts(o, avatarOf[i], templateOf[i], otherAvatars) : null;
      // A slot with no face is no one: it fails the gate as another person would (its parts are 0 too).
      gate = Math.min(gate, parts ? parts.gate : CALIBRATION.identity.gateFloor);
      for (const part of PERSON_PARTS) {
        const value = parts ? parts[part] : 0;
        breakdown[`slot.${slot.id}.${part}`] = round(value);
        personWorst[part] = Math.min(personWorst[part], value);
      }
      if (parts) {
        breakdown[`slot.${slot.id}.identity_verdict`] = parts.verdict;
        breakdown[`slot.${slot.id}.raw_identity_cos_avatar`] = round(parts.cosAvatar);
        breakdown[`slot.${slot.id}.raw_identity_cos_template`] = round(parts.cosTemplate);
      }
    }
    breakdown.faces_found = round(slotOutput.filter((j) => j >= 0).length / testCase.slots.length);

    const image = await imageParts(this.faces, {
      testCase,
      template,
      output,
      aligned,
      covered,
      colourMap: registration.colourMap,
      registered: registration.found,
      templateFaces: templateOf,
      outputFaces: outputFaceList,
      ownFaces,
      slotOutput,
    });
    const frame = frameChange(registration.transform, width, height);
    const parts: Record<ScorePart, number> = {
      ...personWorst,
      ...image.parts,
      framing: registration.found ? framingScore(frame) : c.unregisteredFraming,
    };
    for (const part of Object.keys(WEIGHTS) as ScorePart[]) breakdown[part] = round(parts[part]);
    for (const [i, slot] of testCase.slots.entries()) {
      breakdown[`slot.${slot.id}.face_quality`] = round(image.faceQuality[i]);
    }
    Object.assign(breakdown, image.raw, {
      raw_align_dx: round(frame.dx),
      raw_align_dy: round(frame.dy),
      raw_align_scale: round(frame.scale),
      raw_align_rotation_deg: round(frame.rotationDeg),
      raw_align_inliers: round(registration.inliers),
      raw_align_found: registration.found ? 1 : 0,
    });
    breakdown.identity_gate = round(gate);
    return { score: combineParts(parts, gate), breakdown: sortKeys(breakdown) };
  }
}

/**
 * The output's pixels at the template's size and at the working size. Tools may answer at another size
 * or aspect; the output is judged in the template's frame and registered at a working size. Most outputs
 * decode once (`DecodedImage.resizable`), and the runner hands that decode on; the rest are decoded at
 * each size, as resizing their pixels would change them. An output that is the template byte for byte (a
 * tool that changed nothing) has the template's pixels, decoded already.
 */
async function outputPixels(
  outputPath: string,
  template: CaseView['template'],
  size: { width: number; height: number },
  decoded: DecodedImage | undefined,
): Promise<{ full: RgbImage; work: RgbImage }> {
  let bytes: Promise<Buffer> | undefined;
  const read = () =>
    (bytes ??= readFile(outputPath).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`Cannot read the output image ${outputPath}: ${error.code ?? error.message}`);
    }));
  const decode = async <T>(decoding: (bytes: Buffer) => Promise<T>): Promise<T> =>
    decoding(await read()).catch((error: Error) => {
      throw new Error(`The output image ${outputPath} cannot be decoded: ${error.message}`);
    });
  const templateSize = template.full.width === size.width && template.full.height === size.height;
  if (!decoded && templateSize && (await read()).equals(template.bytes)) {
    return { full: template.full, work: template.work };
  }
  const own = decoded ?? (await decode((b) => readRgbOnce(b)));
  const at = (to: { width: number; height: number }): Promise<RgbImage> =>
    // sharp's resize to the same size changes nothing.
    own.width === to.width && own.height === to.height
      ? Promise.resolve(own)
      : own.resizable
        ? resizeRgb(own, to)
        : decode((b) => readRgb(b, to));
  const [full, work] = await Promise.all([at(size), at(workingSize(size.width, size.height))]);
  return { full, work };
}

/** The face whose box overlaps `box` most, at least `minIou`. */
function bestOverlap(box: FaceBox, faces: AnalyzedFace[], minIou: number): AnalyzedFace | undefined {
  const ranked = faces
    .map((f) => ({ f, iou: boxIou(box, f.box) }))
    .filter((r) => r.iou >= minIou)
    .sort((a, b) => b.iou - a.iou);
  return ranked[0]?.f;
}

/** Scores kept by case and output digest (see `FaceSwapEvaluator.scores`), each with its breakdown. */
const SCORES_KEPT = 4096;

/** Bytes of decoded templates kept (full and working size): a few dozen 1024-px cases. */
const CASE_CACHE_BYTES = 128 * 2 ** 20;

/** A case as its items are scored against it (see `FaceSwapEvaluator.caseView`). */
interface CaseView {
  found: Awaited<ReturnType<typeof lookUpSlotFaces>>;
  /**
   * The template's file, and its pixels (in shared memory) at its own size, at the registration's
   * working size and at the image measures' scale: shrunk by `factor` (see `measureFactor`).
   */
  template: { bytes: Buffer; full: RgbImage; work: RgbImage; measure: RgbImage; factor: number };
}

async function loadCaseView(faces: FaceAnalyzer, testCase: TestCase): Promise<CaseView> {
  const [bytes, avatars] = await Promise.all([
    readFile(testCase.templatePath),
    Promise.all(testCase.avatarPaths.map((p) => readFile(p))),
  ]);
  const [found, full, work] = await Promise.all([
    lookUpSlotFaces(faces, testCase.slots, { template: bytes, avatars }),
    readRgb(bytes),
    readRgb(bytes, workingSize(testCase.width, testCase.height)),
  ]);
  const factor = 'faces' in found ? measureFactor(found.faces.map((f) => f.template.box)) : 1;
  const fullSize = shared(full);
  const whole = { x: 0, y: 0, width: full.width, height: full.height };
  const measure = factor === 1 ? fullSize : shared(shrink(full, whole, factor));
  const template = { bytes, full: fullSize, work: shared(work), measure, factor };
  if (factor === 1 || 'problems' in found) return { found, template };
  // Outputs' faces are analyzed at the measures' scale: so are the template faces they are compared
  // with (an unchanged face must compare as the same), each the one found where the slot's face is.
  const scaled = (await faces.analyzeRgb(measure)).faces.map((f) => enlargedFace(f, factor));
  const atScale = found.faces.map((f) => {
    if (f.region) return f;
    const best = bestOverlap(f.template.box, scaled, 0.5);
    return best ? { ...f, template: best } : f;
  });
  return { found: { faces: atScale }, template };
}

/** The size registration works at: the template's, at most `CALIBRATION.registration.workSide` on its longer side. */
function workingSize(width: number, height: number): { width: number; height: number } {
  const k = Math.min(1, CALIBRATION.registration.workSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/**
 * How well the output keeps the template's framing: 1 within what a redraw does (a shift of a few
 * percent, a zoom of a few percent, a turn of a degree or two), then falling smoothly with the excess.
 */
function framingScore(frame: FrameChange): number {
  const c = CALIBRATION.registration;
  const shift = Math.hypot(frame.dx, frame.dy);
  const excess =
    Math.max(0, shift - c.shiftTolerated) / c.shiftScale +
    Math.max(0, Math.abs(Math.log(frame.scale)) - c.zoomTolerated) / c.zoomScale +
    Math.max(0, Math.abs(frame.rotationDeg) - c.rotationTolerated) / c.rotationScale;
  return Math.exp(-excess);
}

function personParts(o: AnalyzedFace, a: AnalyzedFace, t: AnalyzedFace, otherAvatars: AnalyzedFace[]) {
  const identity = identityScore(o, a, t, otherAvatars);
  const attributes = attributeScore(o, t);
  return {
    identity_transfer: identity.transfer,
    identity_match: identity.match,
    assignment: identity.assignment,
    ...attributes,
    verdict: identity.verdict,
    gate: identity.gate,
    cosAvatar: identity.cosAvatar,
    cosTemplate: identity.cosTemplate,
  };
}

/** What the image-level parts are measured on. */
interface ImagePartsInput {
  testCase: TestCase;
  template: CaseView['template'];
  /** The output as it came, at the template's size: face quality is measured there. */
  output: RgbImage;
  /** The output in the template's frame at the measures' scale, colour-mapped (see `alignOutput`). */
  aligned: RgbImage;
  covered: Uint8Array;
  /** Output colours → template colours, applied to `output` where faces are measured. */
  colourMap: ColourMap;
  /** Whether the registration found the template's picture in the output (see `Registration.found`). */
  registered: boolean;
  templateFaces: AnalyzedFace[];
  /** The output's faces in the template's frame, and the same faces where the output drew them. */
  outputFaces: AnalyzedFace[];
  ownFaces: AnalyzedFace[];
  slotOutput: number[];
}

async function imageParts(faces: FaceAnalyzer, input: ImagePartsInput) {
  const {
    testCase,
    template,
    output,
    aligned,
    covered,
    colourMap,
    registered,
    templateFaces,
    outputFaces,
    ownFaces,
    slotOutput,
  } = input;
  const c = CALIBRATION.image;
  const atScale = ([x, y, w, h]: FaceBox): FaceBox => {
    const k = 1 / template.factor;
    return [x * k, y * k, w * k, h * k];
  };
  // The output's own faces are left out of the background only when the registration found the template's
  // picture in it (a face drawn larger in place is the person's parts' to judge). Another picture's faces
  // may stand where the template has background: there the template's background is judged whole, or an
  // avatar returned as the output, its face filling the frame, would leave no background to judge.
  const faceBoxes: FaceBox[] = [
    ...templateFaces.map((f) => f.box),
    ...testCase.slots.map((s) => s.box),
    ...(registered ? slotOutput.filter((j) => j >= 0).map((j) => outputFaces[j].box) : []),
  ];
  const matched = slotOutput.flatMap((j, i) => (j >= 0 ? [i] : []));
  // The pixel loops run on the face workers: the event loop only waits.
  const measures = await faces.runTask(IMAGE_MEASURES, {
    template: template.measure,
    output: aligned,
    faceBoxes: faceBoxes.map(atScale),
    templateBoxes: templateFaces.map((f) => atScale(f.box)),
    covered,
    faces: {
      template: template.full,
      output,
      colourMap,
      pairs: matched.map((i) => ({
        output: ownFaces[slotOutput[i]].mesh,
        template: templateFaces[i].mesh,
        templateKey: `${testCase.contentHash}/${testCase.slots[i].id}`,
      })),
    },
  });
  const { ssim, colourDiff, seam, hardCut } = measures;
  // A faceless slot has no face to judge: 0, like its person-level parts.
  const faceQuality = slotOutput.map(() => 0);
  const raw: Record<string, number> = {};
  for (const [k, i] of matched.entries()) {
    const m = measures.faces[k];
    faceQuality[i] = faceQualityScore(m, eyeSpan(templateFaces[i].mesh));
    const slot = testCase.slots[i].id;
    raw[`slot.${slot}.raw_quality_detail`] = round(m.detail);
    raw[`slot.${slot}.raw_quality_contrast`] = round(m.contrast);
    raw[`slot.${slot}.raw_quality_grain`] = round(m.grain);
    raw[`slot.${slot}.raw_quality_blocks`] = round(m.blocks);
  }
  return {
    parts: {
      // Structure and colour both: a different photo with a similar dark backdrop keeps a middling SSIM.
      background:
        ramp(ssim, c.backgroundLo, c.backgroundHi) *
        ramp(-colourDiff, -c.colourDiffZeroAt, -c.colourDiffFullAt),
      // Two signs of a seam: edges the template lacks around the face, and an edit that stops abruptly.
      seams: newEdgeScore(seam) * hardCutScore(mean(hardCut)),
      face_quality: Math.min(...faceQuality),
    },
    faceQuality,
    raw: {
      ...raw,
      raw_background_ssim: round(ssim),
      raw_background_colour_diff: round(colourDiff),
      raw_seam_excess: round(seam),
      raw_seam_hard_cut: round(mean(hardCut)),
    },
  };
}

/**
 * One face's quality, 0–1, from its measures relative to the template face: soft (detail lost at an eye
 * or the mouth), faded (an eye or the mouth painted over, a ghost of a face), grainy or smeared (energy
 * over plain skin far above or far below the template's) or blocky (a JPEG grid). Each sign is 1 up to its tolerance and then
 * falls exponentially in the log of the ratio, never reaching 0, so worse damage always scores lower; the
 * product sits on a soft floor.
 */
function faceQualityScore(m: FaceQualityMeasures, span: number): number {
  const q = CALIBRATION.quality;
  // A small face's pixel-scale signs are read with a wider tolerance (see `smallFaceSpan`).
  const small = Math.min(1, span / q.smallFaceSpan);
  const below = (value: number, full: number, scale: number) =>
    Math.exp(-Math.max(0, Math.log(full / Math.max(value, 1e-6))) / scale);
  const above = (value: number, tolerated: number, scale: number) =>
    Math.exp(-Math.max(0, Math.log(value / tolerated)) / scale);
  const signs =
    below(m.detail, q.detailFullAt * small, q.detailScale) *
    below(m.contrast, q.contrastFullAt, q.contrastScale) *
    above(m.grain, q.grainTolerated / small, q.grainScale) *
    below(m.grain, q.smoothTolerated * small, q.smoothScale) *
    above(m.blocks, q.blocksTolerated, q.blocksScale);
  // A soft floor: among faces already ruined, a little more or less of one sign (noise lending a faint
  // eye some energy) must not swing the score through the geometric mean.
  return (signs + q.floor) / (1 + q.floor);
}

/** Distance between the outer eye corners of a face's mesh (MediaPipe points 33 and 263), in pixels. */
function eyeSpan(mesh: ReadonlyArray<readonly number[]>): number {
  return Math.hypot(mesh[263][0] - mesh[33][0], mesh[263][1] - mesh[33][1]);
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

function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
