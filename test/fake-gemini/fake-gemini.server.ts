import type { ServerResponse } from 'node:http';
import { FakeHostedServer, type HostedRequest } from '../fake-hosted/fake-hosted.server';

export type GeminiScenario =
  | 'ok'
  | 'bad_key'
  | 'forbidden'
  | 'bad_request'
  | 'not_found'
  | 'rate_limit_once'
  | 'quota'
  | 'server_error'
  | 'image_safety'
  | 'prompt_blocked'
  | 'text_only'
  | 'truncated_png'
  | 'hang_once';

/** The delay the fake's 429 asks for, in `RetryInfo.retryDelay` form. */
export const GEMINI_RETRY_DELAY = '0.6s';

interface GeminiBody {
  contents?: Array<{ parts?: Array<{ text?: string; inlineData?: { mimeType?: string; data?: string } }> }>;
  generationConfig?: { responseModalities?: string[] };
}

/**
 * A stand-in for the Gemini API's `POST /v1beta/models/{model}:generateContent` on 127.0.0.1, answering
 * with Google's documented shapes: inline image parts, `finishReason: IMAGE_SAFETY`,
 * `promptFeedback.blockReason`, and error bodies with `google.rpc` details (an invalid key is a 400 with
 * reason `API_KEY_INVALID`; a 429 carries `RetryInfo.retryDelay`).
 */
export class FakeGeminiServer extends FakeHostedServer<GeminiScenario> {
  constructor(private readonly apiKey: string) {
    super();
  }

  /** The value for `GEMINI_BASE_URL`. */
  get baseURL(): string {
    return this.origin;
  }

  protected async handle(request: HostedRequest, res: ServerResponse): Promise<void> {
    const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(request.path);
    if (request.method !== 'POST' || !match)
      return this.sendJson(res, 404, googleError(404, `Method not found: ${request.path}`, 'NOT_FOUND'));
    const body = (request.json ?? {}) as GeminiBody;
    const parts = body.contents?.[0]?.parts ?? [];
    const prompt = parts.map((p) => p.text ?? '').join(' ');
    const scenario = this.scenarioOf(prompt);
    const key = String(request.headers['x-goog-api-key'] ?? '');
    if (scenario === 'hang_once') return; // never answers
    if (scenario === 'bad_key' || key !== this.apiKey)
      return this.sendJson(res, 400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
            },
          ],
        },
      });
    const model = decodeURIComponent(match[1]);
    switch (scenario) {
      case 'forbidden':
        return this.sendJson(
          res,
          403,
          googleError(
            403,
            `Permission denied: the key ${key} lacks access to model ${model}.`,
            'PERMISSION_DENIED',
          ),
        );
      case 'bad_request':
        return this.sendJson(
          res,
          400,
          googleError(
            400,
            'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
            'INVALID_ARGUMENT',
          ),
        );
      case 'not_found':
        return this.sendJson(
          res,
          404,
          googleError(404, `models/${model} is not found for API version v1beta.`, 'NOT_FOUND'),
        );
      case 'rate_limit_once':
        return this.sendJson(res, 429, {
          error: {
            code: 429,
            message: `Resource has been exhausted (e.g. check quota). Please retry in ${GEMINI_RETRY_DELAY}.`,
            status: 'RESOURCE_EXHAUSTED',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
                violations: [{ quotaMetric: 'generate_content_requests' }],
              },
              { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: GEMINI_RETRY_DELAY },
            ],
          },
        });
      case 'quota':
        return this.sendJson(
          res,
          429,
          googleError(
            429,
            `You exceeded your current quota. Quota exceeded for metric: generate_content_free_tier_requests, limit: 0, model: ${model}`,
            'RESOURCE_EXHAUSTED',
          ),
        );
      case 'server_error':
        return this.sendJson(
          res,
          503,
          googleError(503, 'The model is overloaded. Please try again later.', 'UNAVAILABLE'),
        );
      case 'image_safety':
        return this.sendJson(res, 200, {
          candidates: [{ finishReason: 'IMAGE_SAFETY', index: 0 }],
          modelVersion: model,
        });
      case 'prompt_blocked':
        return this.sendJson(res, 200, {
          promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
          modelVersion: model,
        });
      case 'text_only':
        return this.sendJson(
          res,
          200,
          answer(model, [{ text: "I can't edit people's faces in this image." }]),
        );
      case 'truncated_png':
        return this.sendJson(
          res,
          200,
          answer(model, [
            { inlineData: { mimeType: 'image/png', data: (await this.truncatedPng()).toString('base64') } },
          ]),
        );
      case 'ok':
        return this.sendJson(
          res,
          200,
          answer(model, [
            { text: 'Here is the edited photo.' },
            { inlineData: { mimeType: 'image/png', data: this.outputImage.toString('base64') } },
          ]),
        );
    }
  }
}

function googleError(code: number, message: string, status: string): unknown {
  return { error: { code, message, status } };
}

function answer(model: string, parts: unknown[]): unknown {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1100, candidatesTokenCount: 1290, totalTokenCount: 2390 },
    modelVersion: model,
  };
}
