import { toFile, type Uploadable } from 'openai';
import type { ImagesResponse } from 'openai/resources/images';
import sharp from 'sharp';
import { sniffImageType } from '../../core/image-type';
import type { ToolInput, ToolResult } from '../tool';
import { checkBase64Image, checkImageOutput, type ImageCheck } from './shared/image-output.validator';
import {
  createOpenAIClient,
  OPENAI_DEFAULT_BASE_URL,
  type OpenAIEndpoint,
} from './shared/openai-client.factory';
import { toolFailureFromError, type ProviderCallContext } from './shared/openai-errors.mapper';
import { imageCostUsd } from './shared/prices';
import { publicUrl } from '../../core/secret-redaction';
import { buildSwapPrompt } from './swap-prompt.builder';

/** Which server to call and how to name it in messages. */
export interface ImageProvider {
  endpoint: OpenAIEndpoint;
  /** `OpenAI`, or a configured tool's name. */
  name: string;
  /** True for servers that are not OpenAI: they get no OpenAI organization headers. */
  thirdParty: boolean;
  timeoutMs: number;
  modelNotFoundHint?: string;
}

/** The request's knobs. `auto` sizes and qualities are left out, which is what the API defaults to anyway. */
export interface SwapEditSettings {
  model: string;
  size: string;
  quality: string;
  /** `high` keeps faces of the input images; null leaves the parameter out for servers that reject it. */
  inputFidelity: 'high' | 'low' | null;
}

/**
 * One multi-image `images.edit` call: the template first, then every avatar in slot order, with a
 * prompt that says which avatar replaces which person. Returns the checked PNG and metadata (model,
 * latency, token usage, cost), or a typed failure; it never throws for a provider's error.
 */
export async function requestSwapEdit(
  provider: ImageProvider,
  input: ToolInput,
  settings: SwapEditSettings,
): Promise<ToolResult> {
  const ctx = callContext(provider, settings.model);
  const prompt = buildSwapPrompt(input.slots, input.prompt);
  const images = await Promise.all([
    asUpload(input.template, 'template'),
    ...input.avatars.map((a, i) => asUpload(a.image, `avatar-${i + 1}-${a.slotId}`)),
  ]);
  const client = createOpenAIClient(provider.endpoint, provider.timeoutMs, provider.thirdParty);
  const started = performance.now();
  let response: ImagesResponse;
  try {
    response = await client.images.edit(
      {
        model: settings.model,
        image: images,
        prompt,
        n: 1,
        ...(settings.size !== 'auto' ? { size: settings.size } : {}),
        ...(settings.quality !== 'auto' ? { quality: settings.quality as 'low' | 'medium' | 'high' } : {}),
        ...(settings.inputFidelity ? { input_fidelity: settings.inputFidelity } : {}),
      },
      { signal: input.signal },
    );
  } catch (error) {
    return { ok: false, failure: toolFailureFromError(error, ctx) };
  }
  const latencyMs = Math.round(performance.now() - started);
  const checked = await imageFromResponse(response, provider.name, input.signal);
  if (!checked.ok) return checked;
  const size = response.size ?? settings.size;
  const quality = response.quality ?? settings.quality;
  return {
    ok: true,
    image: checked.png,
    meta: {
      model: settings.model,
      provider: provider.name,
      endpoint: ctx.baseURL,
      latencyMs,
      prompt,
      inputImages: images.length,
      inputFidelity: settings.inputFidelity,
      size,
      quality,
      usage: response.usage ?? null,
      costUsd: imageCostUsd(settings.model, response.usage, quality, size),
      revisedPrompt: response.data?.[0]?.revised_prompt,
      width: checked.width,
      height: checked.height,
    },
  };
}

/** Message context for the error mapper; the key is listed only so that it can be redacted. */
export function callContext(provider: ImageProvider, model: string): ProviderCallContext {
  return {
    provider: provider.name,
    baseURL: publicUrl(provider.endpoint.baseURL ?? OPENAI_DEFAULT_BASE_URL),
    model,
    apiKeyEnv: provider.endpoint.apiKeyEnv,
    secrets: [provider.endpoint.apiKey ?? undefined],
    timeoutMs: provider.timeoutMs,
    modelNotFoundHint: provider.modelNotFoundHint,
  };
}

/**
 * The first image of an Images API answer. The SDK hands back a string when the body was not JSON (an
 * HTML error page from a proxy), so the shape is checked before use. Some self-hosted servers answer
 * with a URL instead of base64; that URL is fetched once.
 */
export async function imageFromResponse(
  response: unknown,
  source: string,
  signal: AbortSignal,
): Promise<ImageCheck> {
  const first = (response as ImagesResponse | null)?.data?.[0];
  if (typeof response !== 'object' || response === null || !first) {
    const what = typeof response === 'string' ? 'a non-JSON body' : 'JSON without a data[0] image';
    return {
      ok: false,
      failure: {
        retryable: false,
        code: 'bad_output',
        message: `${source} answered 200 with ${what}, not an image.`,
      },
    };
  }
  if (!first.b64_json && first.url) {
    try {
      const res = await fetch(first.url, { signal });
      if (!res.ok)
        return {
          ok: false,
          failure: {
            retryable: res.status >= 500,
            code: 'bad_output',
            message: `${source}'s image URL answered ${res.status}.`,
          },
        };
      return checkImageOutput(Buffer.from(await res.arrayBuffer()), source);
    } catch (error) {
      return {
        ok: false,
        failure: {
          retryable: true,
          code: 'connection',
          message: `Could not download ${source}'s image: ${(error as Error).message}`,
        },
      };
    }
  }
  return checkBase64Image(first.b64_json, source);
}

/** An image as an SDK upload with the right file name and MIME type; formats the API refuses become PNG. */
export async function asUpload(image: Buffer, stem: string): Promise<Uploadable> {
  const type = sniffImageType(image);
  if (type) return toFile(image, `${stem}.${type.split('/')[1]}`, { type });
  const png = await sharp(image).png().toBuffer();
  return toFile(png, `${stem}.png`, { type: 'image/png' });
}
