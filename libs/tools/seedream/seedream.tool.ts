import { Injectable } from '@nestjs/common';
import { final } from '../tool';
import { Tool } from '../tool.decorator';
import { failureFromHttp, parseJson, retryAfterHeader } from '../hosted/hosted-failures';
import { dataUri, SEED_OPTION } from '../hosted/hosted-input';
import { HostedTool, type HostedCall, type ServiceAnswer } from '../hosted/hosted-tool';

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
export class SeedreamTool extends HostedTool {
  constructor() {
    super({
      id: 'seedream',
      name: 'Seedream 4 (ModelArk)',
      description:
        'ByteDance Seedream 4 on BytePlus ModelArk with the template and avatars as reference images.',
      service: 'ModelArk',
      keyEnv: ['ARK_API_KEY'],
      baseUrlEnv: 'ARK_BASE_URL',
      defaultBaseUrl: ARK_DEFAULT_BASE_URL,
      options: {
        model: { type: 'string', default: 'seedream-4-0-250828', description: 'ModelArk model id.' },
        size: {
          type: 'string',
          default: '2K',
          description:
            "Output size: 1K, 2K, 4K, or WIDTHxHEIGHT; the model keeps the template's aspect for 1K–4K.",
        },
        seed: SEED_OPTION,
        watermark: {
          type: 'boolean',
          default: false,
          description: 'Let the service add its "AI generated" mark.',
        },
      },
    });
  }

  protected maxInputImages(): number {
    return SEEDREAM_MAX_INPUT_IMAGES;
  }

  protected async send(call: HostedCall): Promise<ServiceAnswer> {
    const seed = Number(call.options.seed);
    const res = await fetch(`${call.baseUrl}/images/generations`, {
      method: 'POST',
      signal: call.signal,
      headers: { authorization: `Bearer ${call.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: call.model,
        prompt: call.prompt,
        image: call.images.map(dataUri),
        size: String(call.options.size),
        sequential_image_generation: 'disabled',
        response_format: 'b64_json',
        watermark: call.options.watermark === true,
        ...(seed >= 0 ? { seed } : {}),
      }),
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const error = parseJson<ArkError>(text)?.error;
      const code = error?.code ?? '';
      return {
        failure: failureFromHttp(
          {
            status: res.status,
            said: `${error?.message ?? text.slice(0, 300)}${code ? ` [${code}]` : ''}`,
            retryAfterMs: retryAfterHeader(res.headers.get('retry-after')),
            safety: /SensitiveContent/i.test(code),
            quota: /QuotaExceeded|AccountOverdue/i.test(code),
          },
          call.service,
        ),
      };
    }
    const answer = parseJson<ArkImagesResponse>(text);
    if (!answer)
      return { failure: final('bad_output', 'ModelArk answered 200 with a body that is not JSON.') };
    const first = answer.data?.[0];
    if (first?.error)
      return {
        failure: /Sensitive/i.test(first.error.code ?? '')
          ? final('safety', `Refused by ModelArk's safety system: ${first.error.message ?? first.error.code}`)
          : final('bad_output', `ModelArk made no image: ${first.error.message ?? first.error.code}`),
      };
    return {
      image: first?.b64_json,
      meta: { model: answer.model ?? call.model, usage: answer.usage ?? null },
    };
  }
}
