import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { SwapTool, ToolAvailability, ToolInput, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';

/**
 * Control: pastes each avatar, cropped to its slot's shape, over the slot box with hard edges and no
 * colour matching. Moves identity but leaves seams and a wrong pose; a sound score ranks it between the
 * no-op and a real swap.
 */
@Tool()
@Injectable()
export class ControlPasteTool implements SwapTool {
  readonly id = 'control_paste';
  readonly name = 'Control: pasted avatars';
  readonly description =
    'Pastes each avatar over its slot box with no blending. Checks that seams and pose are penalised.';
  readonly kind = 'control' as const;
  readonly concurrency = 4;
  readonly timeoutMs = 30_000;
  readonly options = {};

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const patches = await Promise.all(
      input.slots.map(async (slot, i) => {
        const [left, top, width, height] = slot.box;
        const patch = await sharp(input.avatars[i].image)
          .resize(width, height, { fit: 'cover', position: 'attention' })
          .png()
          .toBuffer();
        return { input: patch, left, top };
      }),
    );
    const image = await sharp(input.template).composite(patches).png().toBuffer();
    return { ok: true, image, meta: { model: 'none' } };
  }
}
