import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { FaceAnalyzer } from '../../faces/face-analyzer.service';
import type { FaceBox } from '../../faces/face.types';
import { largestFace } from '../../faces/slot-faces';
import type { SwapTool, ToolAvailability, ToolInput, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';

/** A whole-pixel region of an image, as sharp's `extract` takes it. */
export interface CropRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Control: pastes each avatar's face crop over its slot box with hard edges and no colour matching.
 * Moves identity but leaves seams and the avatar's pose; a sound score ranks it between the no-op and
 * a real swap. An avatar in which no face is found is pasted whole, centre-cropped to the slot (meta
 * `avatarFaceFound: false`).
 */
@Tool()
@Injectable()
export class ControlPasteTool implements SwapTool {
  readonly id = 'control_paste';
  readonly name = 'Control: pasted avatars';
  readonly description =
    "Pastes each avatar's face crop over its slot box with no blending. Checks that seams and pose are penalised.";
  readonly kind = 'control' as const;
  readonly concurrency = 4;
  readonly timeoutMs = 30_000;
  readonly options = {};

  constructor(private readonly faces: FaceAnalyzer) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const patches = await Promise.all(
      input.slots.map(async (slot, i) => {
        const [left, top] = slot.box;
        return { left, top, ...(await this.patch(input.avatars[i].image, slot.box)) };
      }),
    );
    const image = await sharp(input.template)
      .composite(patches.map(({ input: patch, left, top }) => ({ input: patch, left, top })))
      .png()
      .toBuffer();
    const withoutFace = input.slots.filter((_, i) => !patches[i].faceFound).map((s) => s.id);
    return {
      ok: true,
      image,
      meta: {
        model: 'none',
        avatarFaceFound: withoutFace.length === 0,
        ...(withoutFace.length > 0 ? { centreCroppedSlots: withoutFace } : {}),
      },
    };
  }

  /** The avatar's largest face, cropped to the slot's aspect and sized to it; else the centre crop. */
  private async patch(avatar: Buffer, slotBox: FaceBox): Promise<{ input: Buffer; faceFound: boolean }> {
    const width = Math.round(slotBox[2]);
    const height = Math.round(slotBox[3]);
    const analysis = await this.faces.analyze(avatar);
    const face = largestFace(analysis.faces);
    if (!face) {
      const input = await sharp(avatar)
        .resize(width, height, { fit: 'cover', position: 'attention' })
        .png()
        .toBuffer();
      return { input, faceFound: false };
    }
    // The analysis ran on the upright, opaque image: crop that one, so the box lands on the face.
    const input = await sharp(avatar)
      .rotate()
      .removeAlpha()
      .extract(faceCrop(face.box, width / height, analysis))
      .resize(width, height, { fit: 'fill' })
      .png()
      .toBuffer();
    return { input, faceFound: true };
  }
}

/**
 * The largest region of `face` (clamped to the image) with the aspect ratio `aspect` (width / height),
 * centred on it, in whole pixels inside the image.
 */
export function faceCrop(
  face: FaceBox,
  aspect: number,
  image: { width: number; height: number },
): CropRegion {
  const x0 = Math.max(0, face[0]);
  const y0 = Math.max(0, face[1]);
  const x1 = Math.min(image.width, face[0] + face[2]);
  const y1 = Math.min(image.height, face[1] + face[3]);
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  // Too wide for the slot: keep the full height and trim the sides; too tall: trim top and bottom.
  const cropW = w / h > aspect ? h * aspect : w;
  const cropH = w / h > aspect ? h : w / aspect;
  const width = Math.min(image.width, Math.max(1, Math.round(cropW)));
  const height = Math.min(image.height, Math.max(1, Math.round(cropH)));
  const left = clamp(Math.round((x0 + x1) / 2 - width / 2), 0, image.width - width);
  const top = clamp(Math.round((y0 + y1) / 2 - height / 2), 0, image.height - height);
  return { left, top, width, height };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, value));
}
