import type { GenerateContentResponse, Part } from '@google/genai';
import { Injectable } from '@nestjs/common';
import type { SwapTool, ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';
import { final, type HostedService } from '../hosted/hosted-failures';
import {
  baseUrlFromEnv,
  keyAvailability,
  keyFromEnv,
  refuseTooManyPeople,
  swapImages,
  swapPrompt,
} from '../hosted/hosted-input';
import { missingKey } from '../missing-key';
import { hostedImagePrice } from '../hosted/hosted-prices';
import { checkBase64Image } from '../openai/shared/image-output.validator';
import { publicUrl } from '../../core/secret-redaction';
import { geminiFailure } from './gemini-errors';

const KEY_ENV = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] as const;
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** Input images each model takes; Gemini 2.5 Flash Image works best with up to 3. */
export const GEMINI_MAX_INPUT_IMAGES: Readonly<Record<string, number>> = {
  'gemini-2.5-flash-image': 3,
  'gemini-2.5-flash-image-preview': 3,
  'gemini-3-pro-image-preview': 14,
};

/** Finish reasons that mean the model's safety filters stopped the image. */
const SAFETY_FINISH = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'IMAGE_PROHIBITED_CONTENT',
]);

/**
 * Google's Gemini image models ("Nano Banana") through `models/{model}:generateContent` with the official
 * `@google/genai` SDK: the swap prompt, then the template and the avatars as inline base64 parts, asking
 * for an image back. The SDK's own retries stay off.
 */
@Tool()
@Injectable()
export class GeminiImageTool implements SwapTool {
  readonly id = 'gemini_image';
  readonly name = 'Gemini image';
  readonly description = 'Google Gemini image model with the template and avatars as inline images.';
  readonly kind = 'api' as const;
  readonly concurrency = 2;
  readonly timeoutMs = 300_000;
  readonly options = {
    model: {
      type: 'string',
      default: 'gemini-2.5-flash-image',
      description: 'Gemini image model, e.g. gemini-2.5-flash-image, gemini-3-pro-image-preview.',
    },
    aspect_ratio: {
      type: 'string',
      default: 'auto',
      description: 'Output aspect ratio; `auto` follows the input images.',
      choices: ['auto', '1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'],
    },
  } satisfies Record<string, ToolOptionSpec>;

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  /** The service's base URL: GEMINI_BASE_URL when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv('GEMINI_BASE_URL', GEMINI_DEFAULT_BASE_URL);
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(KEY_ENV));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(KEY_ENV);
    if (!found) return missingKey(KEY_ENV);
    const model = String(input.options.model);
    const refused = refuseTooManyPeople(input, model, GEMINI_MAX_INPUT_IMAGES[model]);
    if (refused) return refused;
    const baseUrl = this.serviceUrl();
    const service: HostedService = {
      name: 'Gemini',
      baseUrl: publicUrl(baseUrl),
      keyEnv: found.env,
      model,
      secrets: [found.key],
    };
    // Loaded on first use: the SDK is large, and every CLI command would pay for it at start-up.
    const { GoogleGenAI } = await import('@google/genai');
    const client = new GoogleGenAI({
      apiKey: found.key,
      // One attempt: the runner is the one layer that retries, with the service's RetryInfo delay.
      httpOptions: { baseUrl, timeout: this.timeoutMs, retryOptions: { attempts: 1 } },
    });
    const prompt = swapPrompt(input);
    const images = await swapImages(input);
    const parts: Part[] = [
      { text: prompt },
      ...images.map((image) => ({
        inlineData: { mimeType: image.mimeType, data: image.data.toString('base64') },
      })),
    ];
    const aspect = String(input.options.aspect_ratio);
    const started = performance.now();
    let response: GenerateContentResponse;
    try {
      response = await client.models.generateContent({
        model,
        contents: [{ role: 'user', parts }],
        config: {
          responseModalities: ['IMAGE', 'TEXT'],
          abortSignal: input.signal,
          ...(aspect !== 'auto' ? { imageConfig: { aspectRatio: aspect } } : {}),
        },
      });
    } catch (error) {
      return { ok: false, failure: geminiFailure(error, service, input.signal) };
    }
    const latencyMs = Math.round(performance.now() - started);
    const blocked = response.promptFeedback?.blockReason;
    if (blocked)
      return {
        ok: false,
        failure: final('safety', `Refused by Gemini's safety system: the prompt was blocked (${blocked}).`),
      };
    const candidate = response.candidates?.[0];
    const finish = String(candidate?.finishReason ?? '');
    if (SAFETY_FINISH.has(finish))
      return {
        ok: false,
        failure: final('safety', `Refused by Gemini's safety system: the image was stopped (${finish}).`),
      };
    const answerParts = candidate?.content?.parts ?? [];
    const imagePart = answerParts.find((p) => p.inlineData?.data);
    const text = answerParts
      .map((p) => p.text ?? '')
      .join(' ')
      .trim();
    if (!imagePart) {
      const why = text ? ` It said: "${text.slice(0, 300)}"` : '';
      return {
        ok: false,
        failure: final(
          'bad_output',
          `Gemini answered without an image (finish reason ${finish || 'none'}).${why}`,
        ),
      };
    }
    const image = await checkBase64Image(imagePart.inlineData?.data, 'Gemini');
    if (!image.ok) return image;
    return {
      ok: true,
      image: image.png,
      meta: {
        model: response.modelVersion ?? model,
        provider: 'Gemini',
        endpoint: service.baseUrl,
        latencyMs,
        prompt,
        inputImages: images.length,
        usage: response.usageMetadata ?? null,
        costUsd: hostedImagePrice(model),
        modelText: text || undefined,
        width: image.width,
        height: image.height,
      },
    };
  }
}
