import { Injectable } from '@nestjs/common';
import type { SwapTool, ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';
import {
  failureFromHttp,
  failureFromNetwork,
  final,
  retryAfterHeader,
  type HostedService,
} from '../hosted/hosted-failures';
import {
  baseUrlFromEnv,
  dataUri,
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

const KEY_ENV = ['ARK_API_KEY'] as const;
export const ARK_DEFAULT_BASE_URL = 'https://ark.ap-southeast.bytepluses.com/api/v3';
/** Seedream 4 takes up to 14 reference images (and makes up to 15 images with them in total). */
export const SEEDREAM_MAX_INPUT_IMAGES = 14;

/** The answer of `images/generations`. */
interface ArkImagesResponse {
  model?: string;
  data?: Array<{
    b64_json?: string;
    url?: string;
    size?: string;
    error?: { code?: string; message?: string };
  }>;
  usage?: { generated_images?: number; output_tokens?: number; total_tokens?: number };
}

/** ModelArk's error body. */
interface ArkError {
  error?: { code?: string; message?: string; param?: string; type?: string };
}

/**
 * ByteDance Seedream 4 through BytePlus ModelArk's `images/generations`: one synchronous request with the
 * template and avatars as data URIs in `image` and the swap prompt; the image comes back as base64.
 */
@Tool()
@Injectable()
export class SeedreamTool implements SwapTool {
  readonly id = 'seedream';
  readonly name = 'Seedream 4 (ModelArk)';
  readonly description =
    'ByteDance Seedream 4 on BytePlus ModelArk with the template and avatars as reference images.';
  readonly kind = 'api' as const;
  readonly concurrency = 2;
  readonly timeoutMs = 300_000;
  readonly options = {
    model: { type: 'string', default: 'seedream-4-0-250828', description: 'ModelArk model id.' },
    size: {
      type: 'string',
      default: '2K',
      description:
        "Output size: 1K, 2K, 4K, or WIDTHxHEIGHT; the model keeps the template's aspect for 1K–4K.",
    },
    seed: {
      type: 'number',
      default: -1,
      description: 'Seed for a repeatable result; -1 leaves it random.',
      integer: true,
      min: -1,
    },
    watermark: {
      type: 'boolean',
      default: false,
      description: 'Let the service add its "AI generated" mark.',
    },
  } satisfies Record<string, ToolOptionSpec>;

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  /** The service's base URL: ARK_BASE_URL when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv('ARK_BASE_URL', ARK_DEFAULT_BASE_URL);
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(KEY_ENV));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(KEY_ENV);
    if (!found) return missingKey(KEY_ENV);
    const model = String(input.options.model);
    const refused = refuseTooManyPeople(input, model, SEEDREAM_MAX_INPUT_IMAGES);
    if (refused) return refused;
    const baseUrl = this.serviceUrl();
    const service: HostedService = {
      name: 'ModelArk',
      baseUrl: publicUrl(baseUrl),
      keyEnv: found.env,
      model,
      secrets: [found.key],
    };
    const prompt = swapPrompt(input);
    const images = await swapImages(input);
    const seed = Number(input.options.seed);
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/images/generations`, {
        method: 'POST',
        signal: input.signal,
        headers: { authorization: `Bearer ${found.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          prompt,
          image: images.map(dataUri),
          size: String(input.options.size),
          sequential_image_generation: 'disabled',
          response_format: 'b64_json',
          watermark: input.options.watermark === true,
          ...(seed >= 0 ? { seed } : {}),
        }),
      });
    } catch (error) {
      return { ok: false, failure: failureFromNetwork(error, service, input.signal) };
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const error = parse<ArkError>(text)?.error;
      const code = error?.code ?? '';
      return {
        ok: false,
        failure: failureFromHttp(
          {
            status: res.status,
            said: `${error?.message ?? text.slice(0, 300)}${code ? ` [${code}]` : ''}`,
            retryAfterMs: retryAfterHeader(res.headers.get('retry-after')),
            safety: /SensitiveContent/i.test(code),
            quota: /QuotaExceeded|AccountOverdue/i.test(code),
          },
          service,
        ),
      };
    }
    const answer = parse<ArkImagesResponse>(text);
    if (!answer)
      return {
        ok: false,
        failure: final('bad_output', 'ModelArk answered 200 with a body that is not JSON.'),
      };
    const first = answer.data?.[0];
    if (first?.error)
      return {
        ok: false,
        failure: /Sensitive/i.test(first.error.code ?? '')
          ? final('safety', `Refused by ModelArk's safety system: ${first.error.message ?? first.error.code}`)
          : final('bad_output', `ModelArk made no image: ${first.error.message ?? first.error.code}`),
      };
    const image = await checkBase64Image(first?.b64_json, 'ModelArk');
    if (!image.ok) return image;
    return {
      ok: true,
      image: image.png,
      meta: {
        model: answer.model ?? model,
        provider: 'ModelArk',
        endpoint: service.baseUrl,
        latencyMs: Math.round(performance.now() - started),
        prompt,
        inputImages: images.length,
        usage: answer.usage ?? null,
        costUsd: hostedImagePrice(model),
        width: image.width,
        height: image.height,
      },
    };
  }
}

function parse<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
