import { Injectable } from '@nestjs/common';
import { FaceAnalyzer } from '../../faces/face-analyzer.service';
import type { AnalyzedFace } from '../../faces/face.types';
import { readRaster, writePng, type Raster } from '../../faces/raster';
import { matchSlots } from '../../faces/slot-match';
import { fail, type SwapTool, type ToolAvailability, type ToolInput, type ToolResult } from '../tool';
import { Tool } from '../tool.decorator';
import { warpFace } from './classic-swap/face-warp';
import { blendInto, featherMask, matchColours } from './classic-swap/seam-blend';

/**
 * Classic landmark-based face swap, offline: for each slot, the avatar's face is warped onto the
 * template face's 468-point mesh (piecewise affine over the mesh triangles), its colours matched to
 * the template face, and blended in with a feathered mask. The honest classical baseline.
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
    const [templateFaces, triangles] = await Promise.all([
      this.faces.analyze(input.template),
      this.faces.meshTriangles(),
    ]);
    if (input.signal.aborted) return fail.final('canceled', 'Canceled');
    const slotFaces = matchSlots(
      input.slots.map((s) => s.box),
      templateFaces.faces.map((f) => f.box),
    );
    const missing = input.slots.filter((_, i) => slotFaces[i] < 0).map((s) => s.id);
    if (missing.length > 0) {
      return fail.final(
        'no_face',
        `No face found in the template at slot ${missing.join(', ')} (case ${input.caseId})`,
      );
    }
    const canvas = await readRaster(input.template);
    const feather = Number(input.options.feather ?? 0.08);
    const colourMatch = input.options.colourMatch !== false;
    for (const [i, slot] of input.slots.entries()) {
      if (input.signal.aborted) return fail.final('canceled', 'Canceled');
      const avatar = input.avatars[i];
      const avatarFaces = await this.faces.analyze(avatar.image);
      const source = largest(avatarFaces.faces);
      if (!source)
        return fail.final('no_face', `No face found in the avatar of slot ${slot.id} (${avatar.path})`);
      const target = templateFaces.faces[slotFaces[i]];
      this.swapOne(canvas, await readRaster(avatar.image), source, target, triangles, feather, colourMatch);
    }
    return {
      ok: true,
      image: await writePng(canvas),
      meta: { model: 'mediapipe-facemesh piecewise-affine', feather, colourMatch },
    };
  }

  private swapOne(
    canvas: Raster,
    avatar: Raster,
    source: AnalyzedFace,
    target: AnalyzedFace,
    triangles: number[],
    feather: number,
    colourMatch: boolean,
  ): void {
    const { width, height } = canvas;
    const warped = warpFace(avatar, source.mesh, target.mesh, triangles, width, height);
    const size = Math.max(target.box[2], target.box[3]);
    const alpha = featherMask(warped.coverage, width, height, Math.max(1, feather * size));
    if (colourMatch) matchColours(warped, canvas, alpha);
    blendInto(canvas, warped, alpha);
  }
}

function largest(faces: AnalyzedFace[]): AnalyzedFace | undefined {
  return [...faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
}
