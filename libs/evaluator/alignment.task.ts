import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';
import { workerTask } from '../faces/worker-task';
import { alignOutput, type AlignedOutput } from './align-output';
import { registerOutput, type Registration } from './registration';
import { CALIBRATION } from './score.calibration';
import { withScratch } from './scratch';

/** What aligning an output needs: template and output at a working size, and the output at full size. */
export interface AlignmentInput {
  workTemplate: RgbImage;
  workOutput: RgbImage;
  /** The output at the template's full size (in shared memory). */
  output: RgbImage;
  /** Regions a swap may rightly change, in full-resolution pixels: left out of the registration. */
  exclude: FaceBox[];
  /** The whole factor the image measures work shrunk by (see `measureFactor`). */
  factor: number;
  /** Names the template, so the registration keeps its side of the fit (see `RegistrationInput`). */
  templateKey?: string;
}

/** The registration, and the output aligned with the template (see `AlignedOutput`). */
export interface Alignment extends AlignedOutput {
  registration: Registration;
}

/** Registers the output onto the template and aligns it, in one trip to a worker. */
export function alignToTemplate(input: AlignmentInput): Alignment {
  return withScratch(() => {
    const registration = registerOutput({
      template: input.workTemplate,
      output: input.workOutput,
      fullWidth: input.output.width,
      fullHeight: input.output.height,
      exclude: input.exclude,
      templateKey: input.templateKey,
    });
    return {
      registration,
      ...alignOutput(input.output, registration.transform, registration.colourMap, input.factor),
    };
  });
}

/**
 * The whole factor the image measures (background, seams) work shrunk by: the smallest face's, which
 * brings it to about `CALIBRATION.image.hardCut.faceSide` pixels (1 when it is smaller). A swap then
 * measures the same at any resolution, and a large image costs about what a small one does.
 */
export function measureFactor(faceBoxes: FaceBox[]): number {
  const side = Math.min(...faceBoxes.map((b) => Math.max(b[2], b[3])));
  return Math.max(1, Math.floor(side / CALIBRATION.image.hardCut.faceSide));
}

/** `alignToTemplate` as a task for `FaceAnalyzer.runTask`. */
export const ALIGN_TO_TEMPLATE = workerTask(__filename, { alignToTemplate });
