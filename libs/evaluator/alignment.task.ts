import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';
import { workerTask } from '../faces/worker-task';
import { alignOutput } from './align-output';
import { IDENTITY } from './frame';
import { registerOutput, type Registration } from './registration';
import { withScratch } from './scratch';

/** What aligning an output needs: template and output at a working size, and the output at full size. */
export interface AlignmentInput {
  workTemplate: RgbImage;
  workOutput: RgbImage;
  /** The output at the template's full size (moved to the worker). */
  output: RgbImage;
  /** Regions a swap may rightly change, in full-resolution pixels: left out of the registration. */
  exclude: FaceBox[];
}

/** The registration, and the output warped into the template's frame and colour-mapped. */
export interface Alignment {
  registration: Registration;
  aligned: RgbImage;
  /** 1 where the aligned output has pixels of its own (see `alignOutput`). */
  covered: Uint8Array;
  /**
   * Whether the warp moved the output (not only colour-mapped it). Then faces are judged on the output as
   * it came, the caller's own `output`, through the colour map applied where they are: pixels resampled
   * once, not twice. (Not sent back: the caller has those pixels.)
   */
  moved: boolean;
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
    });
    const { image, covered } = alignOutput(input.output, registration.transform, registration.colourMap);
    return { registration, aligned: image, covered, moved: registration.transform !== IDENTITY };
  });
}

/** `alignToTemplate` as a task for `FaceAnalyzer.runTask`. */
export const ALIGN_TO_TEMPLATE = workerTask(__filename, { alignToTemplate });
