import { Injectable } from '@nestjs/common';
import { NotFoundError } from 'openai';
import type { ImageGenerateParamsNonStreaming, ImagesResponse } from 'openai/resources/images';
import { ApiTool } from '../api-tool';
import type {
  ItemEstimate,
  ToolAvailability,
  ToolInput,
  ToolOptionSpec,
  ToolOptionValues,
  ToolResult,
} from '../tool';
import { keyMissingAvailability, missingKey } from '../missing-key';
import { Tool } from '../tool.decorator';
import { callContext, imageFromResponse, type ImageProvider } from './image-edit.request';
import { createOpenAIClient, OPENAI_DEFAULT_BASE_URL, openAIEndpoint } from './shared/openai-client.factory';
import { toolFailureFromError } from './shared/openai-errors.mapper';
import { chatCostUsd, imageCostUsd, imagePriceEstimate, roundUsd } from './shared/prices';
import { describeScene } from './scene-description.request';

const DEFAULT_IMAGE_MODEL = 'dall-e-3';

/** The tool's options, typed as written: availability reads the image model's default. */
const DALLE3_OPTIONS = {
  model: {
    type: 'string',
    default: DEFAULT_IMAGE_MODEL,
    description: 'Text-to-image model. OpenAI no longer serves dall-e-3; gpt-image-1 works.',
  },
  vision_model: {
    type: 'string',
    default: 'gpt-4.1',
    description: 'Vision chat model that writes the scene description.',
  },
  size: {
    type: 'string',
    default: '1024x1024',
    description: 'Output size as the image model accepts it, e.g. 1024x1024, 1792x1024.',
  },
  quality: {
    type: 'string',
    default: 'auto',
    description:
      'Quality as the image model accepts it: standard/hd (DALL·E 3), low/medium/high (gpt-image), or auto.',
  },
} satisfies Record<string, ToolOptionSpec>;

/** How long a model-existence answer is trusted before availability asks again. */
const PROBE_TTL_MS = 10 * 60_000;

/** Why a model that OpenAI does not serve cannot run, and what to do instead. */
export function modelGoneHint(model: string): string {
  return model.startsWith('dall-e')
    ? `OpenAI removed the DALL·E models (${model}) from its API in 2026. Set this tool's \`model\` option to a text-to-image model it still serves, such as gpt-image-1.`
    : `Set this tool's \`model\` option to a text-to-image model OpenAI serves, such as gpt-image-1.`;
}

/**
 * The text-only lower bound: a vision chat model describes the template scene with every person drawn
 * from their avatar's visible traits (never a name), then a text-to-image model paints that description.
 * No pixel of the avatars reaches the image model, so a real swap tool should beat it easily.
 */
@Tool()
@Injectable()
export class BaselineDalle3Tool extends ApiTool<typeof DALLE3_OPTIONS> {
  constructor() {
    super({
      id: 'baseline_dalle3',
      name: 'Baseline-DALL·E 3',
      description:
        'Describe-then-generate lower bound: a vision model describes the scene with the avatars’ traits, then images.generate paints it.',
      options: DALLE3_OPTIONS,
    });
  }

  /** Results of asking the API whether a model exists, so that listing tools does not call it every time. */
  private readonly modelProbes = new Map<string, { until: number; result: ToolAvailability }>();

  /** The server it calls is part of what it is: outputs from a proxy or another server are not reused. */
  /** Two calls: the description (its tokens are not priced ahead) and the image. */
  estimate(options: ToolOptionValues): ItemEstimate {
    const price = imagePriceEstimate(String(options.model), String(options.quality), String(options.size));
    return { calls: 2, costUsd: price ?? null };
  }

  fingerprint(): string {
    return openAIEndpoint().baseURL ?? OPENAI_DEFAULT_BASE_URL;
  }

  async availability(): Promise<ToolAvailability> {
    const endpoint = openAIEndpoint();
    if (!endpoint.apiKey) return keyMissingAvailability(['OPENAI_API_KEY']);
    const model = this.options.model.default;
    const cached = this.modelProbes.get(model);
    if (cached && cached.until > Date.now()) return cached.result;
    try {
      await createOpenAIClient(endpoint, 5_000).models.retrieve(model, {
        signal: AbortSignal.timeout(5_000),
      });
      this.remember(model, { available: true });
    } catch (error) {
      if (error instanceof NotFoundError)
        this.remember(model, { available: false, reason: modelGoneHint(model) });
      // Any other answer (offline, auth, 5xx) says nothing about the model; the run itself will report it.
      else return { available: true };
    }
    return this.modelProbes.get(model)?.result ?? { available: true };
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const endpoint = openAIEndpoint();
    if (!endpoint.apiKey) return missingKey(['OPENAI_API_KEY']);
    const model = String(input.options.model);
    const visionModel = String(input.options.vision_model);
    const size = String(input.options.size);
    const quality = String(input.options.quality);
    const provider: ImageProvider = {
      endpoint,
      name: 'OpenAI',
      thirdParty: false,
      timeoutMs: this.timeoutMs,
      modelNotFoundHint: modelGoneHint(model),
    };
    const ctx = callContext(provider, model);
    const client = createOpenAIClient(endpoint, this.timeoutMs);
    const started = performance.now();

    const scene = await describeScene(client, input, visionModel, ctx);
    if (!scene.ok) return scene;

    let response: ImagesResponse;
    try {
      response = await client.images.generate(
        {
          model,
          prompt: scene.text,
          n: 1,
          size,
          ...(quality !== 'auto' ? { quality: quality as ImagesGenerateQuality } : {}),
          // DALL·E answers with a URL unless asked for base64; GPT image models always send base64 and reject the field.
          ...(model.startsWith('dall-e') ? { response_format: 'b64_json' as const } : {}),
        },
        { signal: input.signal },
      );
    } catch (error) {
      const failure = toolFailureFromError(error, ctx);
      if (failure.code === 'model_not_found')
        this.remember(model, { available: false, reason: modelGoneHint(model) });
      return { ok: false, failure };
    }
    const checked = await imageFromResponse(response, 'OpenAI', input.signal);
    if (!checked.ok) return checked;

    const describeCost = chatCostUsd(visionModel, scene.usage);
    const imageCost = imageCostUsd(model, response.usage, response.quality ?? quality, response.size ?? size);
    return {
      ok: true,
      image: checked.png,
      meta: {
        model,
        visionModel,
        provider: 'OpenAI',
        latencyMs: Math.round(performance.now() - started),
        sceneDescription: scene.text,
        revisedPrompt: response.data?.[0]?.revised_prompt,
        size: response.size ?? size,
        quality: response.quality ?? quality,
        usage: { vision: scene.usage ?? null, image: response.usage ?? null },
        costUsd:
          describeCost !== undefined && imageCost !== undefined
            ? roundUsd(describeCost + imageCost)
            : undefined,
        costBreakdownUsd: { vision: describeCost ?? null, image: imageCost ?? null },
        width: checked.width,
        height: checked.height,
      },
    };
  }

  private remember(model: string, result: ToolAvailability): void {
    this.modelProbes.set(model, { until: Date.now() + PROBE_TTL_MS, result });
  }
}

type ImagesGenerateQuality = NonNullable<ImageGenerateParamsNonStreaming['quality']>;
