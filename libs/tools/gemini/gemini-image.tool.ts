import type { Part } from '@google/genai';
import { Injectable } from '@nestjs/common';
import { final } from '../tool';
import { Tool } from '../tool.decorator';
import { HostedTool, type HostedCall, type ServiceAnswer } from '../hosted/hosted-tool';
import { geminiFailure } from './gemini-errors';

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
export class GeminiImageTool extends HostedTool {
  constructor() {
    super({
      id: 'gemini_image',
      name: 'Gemini image',
      description: 'Google Gemini image model with the template and avatars as inline images.',
      service: 'Gemini',
      keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
      errorTable: geminiFailure,
      baseUrlEnv: 'GEMINI_BASE_URL',
      defaultBaseUrl: GEMINI_DEFAULT_BASE_URL,
      options: {
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
      },
    });
  }

  protected maxInputImages(model: string): number | undefined {
    return GEMINI_MAX_INPUT_IMAGES[model];
  }

  protected async send(call: HostedCall): Promise<ServiceAnswer> {
    // Loaded on first use: the SDK is large, and every CLI command would pay for it at start-up.
    const { GoogleGenAI } = await import('@google/genai');
    const client = new GoogleGenAI({
      apiKey: call.key,
      // One attempt: the runner is the one layer that retries, with the service's RetryInfo delay.
      httpOptions: { baseUrl: call.baseUrl, timeout: this.timeoutMs, retryOptions: { attempts: 1 } },
    });
    const parts: Part[] = [
      { text: call.prompt },
      ...call.images.map((image) => ({
        inlineData: { mimeType: image.mimeType, data: image.data.toString('base64') },
      })),
    ];
    const aspect = String(call.options.aspect_ratio);
    const response = await client.models.generateContent({
      model: call.model,
      contents: [{ role: 'user', parts }],
      config: {
        responseModalities: ['IMAGE', 'TEXT'],
        abortSignal: call.signal,
        ...(aspect !== 'auto' ? { imageConfig: { aspectRatio: aspect } } : {}),
      },
    });
    const blocked = response.promptFeedback?.blockReason;
    if (blocked)
      return {
        failure: final('safety', `Refused by Gemini's safety system: the prompt was blocked (${blocked}).`),
      };
    const candidate = response.candidates?.[0];
    const finish = String(candidate?.finishReason ?? '');
    if (SAFETY_FINISH.has(finish))
      return {
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
        failure: final(
          'bad_output',
          `Gemini answered without an image (finish reason ${finish || 'none'}).${why}`,
        ),
      };
    }
    return {
      image: imagePart.inlineData?.data,
      meta: {
        model: response.modelVersion ?? call.model,
        usage: response.usageMetadata ?? null,
        modelText: text || undefined,
      },
    };
  }
}
