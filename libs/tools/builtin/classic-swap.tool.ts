import { Injectable } from '@nestjs/common';
import { FaceAnalyzer } from '../../faces/face-analyzer.service';
import { readRgb, writePng } from '../../faces/raster';
import { lookUpSlotFaces } from '../../faces/slot-face.lookup';
import {
  failed,
  final,
  type SwapTool,
  type ToolAvailability,
  type ToolInput,
  type ToolResult,
} from '../tool';
import { Tool } from '../tool.decorator';
import { SWAP_FACES, type FaceSwapSlot } from './classic-swap/swap-faces.task';

/**
 * Classic landmark-based face swap, offline: for each slot, the avatar's face is warped onto the
 * template face's 468-point mesh (piecewise affine over the mesh triangles; where the avatar's head is
 * turned so far that one half of the face is hidden, that half is filled with the mirror image of the
 * half it shows), its colours matched to the template face, and blended in with a feathered mask. The
 * honest classical baseline.
 */
@Tool()
@Injectable()
export class ClassicSwapTool implements SwapTool {
  readonly id = 'classic_swap';
  readonly name = 'Classic landmark face swap';
  readonly description =
    'Offline: warps each avatar face onto its slot with the face mesh, matches colour and feathers the seam. No key needed.';
  readonly kind = 'local' as const;
  readonly concurrency = 2;
  readonly timeoutMs = 120_000;
  readonly options = {
    feather: {
      type: 'number',
      default: 0.08,
      min: 0,
      max: 0.5,
      description: 'Width of the blended seam, as a fraction of the face size.',
    },
    colourMatch: {
      type: 'boolean',
      default: true,
      description: 'Match the avatar face colours to the template face.',
    },
  } as const;

  constructor(private readonly faces: FaceAnalyzer) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    // Decoding runs on sharp's threads and the analyses on the face workers: the event loop only waits.
    const [found, triangles, template, avatars] = await Promise.all([
      lookUpSlotFaces(
        this.faces,
        input.slots.map((slot, i) => ({ ...slot, avatar: input.avatars[i].path })),
        { template: input.template, avatars: input.avatars.map((a) => a.image) },
      ),
      this.faces.meshTriangles(),
      readRgb(input.template),
      Promise.all(input.avatars.map((a) => readRgb(a.image))),
    ]);
    if (input.signal.aborted) return failed(final('canceled', 'Canceled'));
    if ('problems' in found) {
      return failed(final('no_face', `${found.problems.join('; ')} (case ${input.caseId})`));
    }
    const slots: FaceSwapSlot[] = found.faces.map((faces, i) => ({
      avatar: avatars[i],
      sourceMesh: faces.avatar.mesh,
      targetMesh: faces.template.mesh,
      targetBox: faces.template.box,
    }));
    const feather = Number(input.options.feather ?? 0.08);
    const colourMatch = input.options.colourMatch !== false;
    // Warping, colour matching and blending are pixel loops: they run on a face worker, and the pixels
    // are moved there, not copied.
    const swapped = await this.faces.runTask(SWAP_FACES, {
      template,
      slots,
      triangles,
      feather,
      colourMatch,
    });
    if (input.signal.aborted) return failed(final('canceled', 'Canceled'));
    return {
      ok: true,
      image: await writePng(swapped),
      meta: { model: 'mediapipe-facemesh piecewise-affine', feather, colourMatch },
    };
  }
}
