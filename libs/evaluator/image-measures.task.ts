import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';
import { workerTask } from '../faces/worker-task';
import { measureFaceQuality, type FaceQualityMeasures, type FaceQualityPair } from './face-quality.score';
import { measureBackground } from './background.measure';
import { excessEdges, scaleBox } from './image-quality.score';
import { hardCutFraction } from './change-boundary.score';
import { CALIBRATION } from './score.calibration';
import { isIdentityColourMap, type ColourMap } from './colour-map';
import { withScratch } from './scratch';

/**
 * What the image-level parts are measured on: template and aligned output at the measures' scale (see
 * `alignOutput`), and the faces where the output drew them.
 */
export interface ImageMeasureInput {
  template: RgbImage;
  output: RgbImage;
  /** Every face box to cut out of the background (template faces, slots, matched output faces), at this scale. */
  faceBoxes: FaceBox[];
  /** The template's faces, at this scale: seams are looked for around them. */
  templateBoxes: FaceBox[];
  /** 1 where the (aligned) output has pixels of its own; the rest is no background to compare. */
  covered: Uint8Array;
  /**
   * The matched faces whose quality is measured, at full size: the template, the output in its own
   * frame and the colour map to read it through, and each face's mesh in its image.
   */
  faces: { template: RgbImage; output: RgbImage; colourMap: ColourMap; pairs: FaceQualityPair[] };
}

/** The raw image-level measures; `FaceSwapEvaluator` maps them to parts. */
export interface ImageMeasures {
  /** Mean SSIM of the background. */
  ssim: number;
  /** Mean absolute colour difference of the background, grey levels. */
  colourDiff: number;
  /** Excess edge ratio in the ring around each template face (see `excessEdges`). */
  seam: number;
  /** Share of each template face's outline where the change is a hard cut (see `hardCutFraction`), in face order. */
  hardCut: number[];
  /** Per matched face, its quality relative to the template face (see `measureFaceQuality`). */
  faces: FaceQualityMeasures[];
}

/**
 * Background SSIM and colour, seams (new edges and hard cuts) and face quality of an aligned output
 * against its template. Each measure reads only the pixels it needs (the background on at most
 * `BACKGROUND_SAMPLE_PIXELS`, the rings and bands around the faces, the faces' features), straight from
 * the packed bytes; it runs on the face workers through `IMAGE_MEASURES`, never on the event loop.
 */
export function measureImage({
  template,
  output,
  faceBoxes,
  templateBoxes,
  covered,
  faces,
}: ImageMeasureInput): ImageMeasures {
  const c = CALIBRATION.image;
  const { width, height } = template;
  if (output.width !== width || output.height !== height) {
    throw new Error(`Output ${output.width}×${output.height} and template ${width}×${height} differ in size`);
  }
  return withScratch(() => {
    const background = measureBackground(
      template,
      output,
      faceBoxes.map((b) => scaleBox(b, c.backgroundDilation)),
      covered,
      c.hardCut.smoothRadius,
    );
    return {
      ssim: background.ssim,
      colourDiff: background.colourDiff,
      seam: excessEdges(output, template, templateBoxes, { inner: c.seamInner, outer: c.seamOuter }),
      hardCut: hardCutFraction(output, template, templateBoxes, background.change, c.hardCut).faces,
      faces: measureFaceQuality(
        faces.template,
        faces.output,
        faces.pairs,
        isIdentityColourMap(faces.colourMap) ? undefined : faces.colourMap,
      ),
    };
  });
}

/** `measureImage` as a task for `FaceAnalyzer.runTask`. */
export const IMAGE_MEASURES = workerTask(__filename, { measureImage });
