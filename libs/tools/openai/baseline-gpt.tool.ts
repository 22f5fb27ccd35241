import { Injectable } from '@nestjs/common';
import { ApiTool } from '../api-tool';
import type {
  ItemEstimate,
  ToolAvailability,
  ToolInput,
  ToolOptionSpec,
  ToolOptionValues,
  ToolResult,
} from '../tool';
import { imagePriceEstimate } from './shared/prices';
import { keyMissingAvailability, missingKey } from '../missing-key';
import { Tool } from '../tool.decorator';
import { requestSwapEdit } from './image-edit.request';
import { OPENAI_DEFAULT_BASE_URL, openAIEndpoint } from './shared/openai-client.factory';

/** Options shared by every tool that sends the `images.edit` swap request. */
export function imageEditOptions(defaultModel: string): Record<string, ToolOptionSpec> {
  return {
    model: {
      type: 'string',
      default: defaultModel,
      description: 'Image model to call, e.g. gpt-image-1, gpt-image-1.5, gpt-image-1-mini.',
    },
    size: {
      type: 'string',
      default: 'auto',
      description: 'Output size; `auto` lets the model choose from the template.',
      choices: ['auto', '1024x1024', '1536x1024', '1024x1536'],
    },
    quality: {
      type: 'string',
      default: 'high',
      description: 'Rendering quality; higher costs more.',
      choices: ['auto', 'low', 'medium', 'high'],
    },
  };
}

/** One `images.edit` call, priced from the image tables by the options of `imageEditOptions`. */
export function imageEditEstimate(options: ToolOptionValues): ItemEstimate {
  const price = imagePriceEstimate(String(options.model), String(options.quality), String(options.size));
  return { calls: 1, costUsd: price ?? null };
}

export const BASELINE_GPT_TIMEOUT_MS = 300_000;

/**
 * The reference API baseline: one multi-image `images.edit` call to OpenAI with the template and every
 * avatar, `input_fidelity: high` so the avatars' faces survive, and a prompt that assigns each avatar to
 * a person by position.
 */
@Tool()
@Injectable()
export class BaselineGptTool extends ApiTool {
  constructor() {
    super({
      id: 'baseline_gpt',
      name: 'Baseline-GPT',
      description: 'OpenAI image edit (gpt-image-1) with the template and every avatar as input images.',
      timeoutMs: BASELINE_GPT_TIMEOUT_MS,
      options: {
        ...imageEditOptions('gpt-image-1'),
        input_fidelity: {
          type: 'string',
          default: 'high',
          description: 'How closely the model keeps the input faces; `high` matters for identity.',
          choices: ['high', 'low'],
        },
      },
    });
  }

  estimate(options: ToolOptionValues): ItemEstimate {
    return imageEditEstimate(options);
  }

  /** The server it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return openAIEndpoint().baseURL ?? OPENAI_DEFAULT_BASE_URL;
  }

  availability(): Promise<ToolAvailability> {
    const endpoint = openAIEndpoint();
    return Promise.resolve(
      endpoint.apiKey ? { available: true } : keyMissingAvailability(['OPENAI_API_KEY']),
    );
  }

  generate(input: ToolInput): Promise<ToolResult> {
    const endpoint = openAIEndpoint();
    if (!endpoint.apiKey) return Promise.resolve(missingKey(['OPENAI_API_KEY']));
    return requestSwapEdit(
      { endpoint, name: 'OpenAI', thirdParty: false, timeoutMs: this.timeoutMs },
      input,
      {
        model: String(input.options.model),
        size: String(input.options.size),
        quality: String(input.options.quality),
        inputFidelity: input.options.input_fidelity === 'low' ? 'low' : 'high',
      },
    );
  }
}
