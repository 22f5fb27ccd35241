import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { SwapTool, ToolAvailability, ToolInput, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';

/** Control: returns the template unchanged. A sound machine score must rate it near the bottom. */
@Tool()
@Injectable()
export class ControlTemplateTool implements SwapTool {
  readonly id = 'control_template';
  readonly name = 'Control: template unchanged';
  readonly description =
    'Returns the template photo as it is (a no-op swap). Lower bound for the machine score.';
  readonly kind = 'control' as const;
  readonly concurrency = 4;
  readonly timeoutMs = 30_000;
  readonly options = {};

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const image = await sharp(input.template).png().toBuffer();
    return { ok: true, image, meta: { model: 'none' } };
  }
}
