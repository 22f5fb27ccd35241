import type { ServerResponse } from 'node:http';
import { FakeHostedServer, type HostedRequest } from '../fake-hosted/fake-hosted.server';

export type ArkScenario =
  | 'ok'
  | 'bad_key'
  | 'forbidden'
  | 'overdue'
  | 'input_sensitive'
  | 'output_sensitive'
  | 'invalid'
  | 'model_not_found'
  | 'rate_limit_once'
  | 'quota'
  | 'server_error'
  | 'not_image'
  | 'hang_once';

/**
 * A stand-in for BytePlus ModelArk's `POST /api/v3/images/generations` on 127.0.0.1: Bearer key, JSON
 * with `model`, `prompt`, `image` (data URIs), answering `{model, created, data: [{b64_json, size}], usage}`
 * or ModelArk's error body `{error: {code, message, param, type}}` with its documented codes.
 */
export class FakeArkServer extends FakeHostedServer<ArkScenario> {
  constructor(private readonly apiKey: string) {
    super();
  }

  /** The value for `ARK_BASE_URL`. */
  get baseURL(): string {
    return `${this.origin}/api/v3`;
  }

  protected handle(request: HostedRequest, res: ServerResponse): void {
    if (request.method !== 'POST' || request.path !== '/api/v3/images/generations')
      return this.sendJson(
        res,
        404,
        arkError('NotFound', 'The requested resource was not found.', 'NotFound'),
      );
    const body = (request.json ?? {}) as { model?: string; prompt?: string; image?: unknown };
    const scenario = this.scenarioOf(String(body.prompt ?? ''));
    const key = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (scenario === 'hang_once') return;
    if (scenario === 'bad_key' || key !== this.apiKey)
      return this.sendJson(
        res,
        401,
        arkError('AuthenticationError', 'The API key in the request is missing or invalid.', 'Unauthorized'),
      );
    const model = body.model ?? '';
    switch (scenario) {
      case 'forbidden':
        return this.sendJson(
          res,
          403,
          arkError('AccessDenied', `The key ${key} lacks access to ${model}.`, 'Forbidden'),
        );
      case 'overdue':
        return this.sendJson(
          res,
          403,
          arkError(
            'AccountOverdueError',
            'The request failed because your account has an overdue balance.',
            'Forbidden',
          ),
        );
      case 'input_sensitive':
        return this.sendJson(
          res,
          400,
          arkError(
            'InputImageSensitiveContentDetected',
            'The request failed because the input image may contain sensitive information.',
            'BadRequest',
          ),
        );
      case 'output_sensitive':
        return this.sendJson(
          res,
          400,
          arkError(
            'OutputImageSensitiveContentDetected',
            'The request failed because the output image may contain sensitive information.',
            'BadRequest',
          ),
        );
      case 'invalid':
        return this.sendJson(
          res,
          400,
          arkError(
            'InvalidParameter',
            'The parameter `size` specified in the request is not valid.',
            'BadRequest',
            'size',
          ),
        );
      case 'model_not_found':
        return this.sendJson(
          res,
          404,
          arkError(
            'InvalidEndpointOrModel.NotFound',
            `The model or endpoint ${model} does not exist or you do not have access to it.`,
            'NotFound',
          ),
        );
      case 'rate_limit_once':
        return this.sendJson(
          res,
          429,
          arkError(
            'RateLimitExceeded.EndpointIPMExceeded',
            'The request has exceeded the images per minute (IPM) limit.',
            'TooManyRequests',
          ),
          { 'retry-after': '1' },
        );
      case 'quota':
        return this.sendJson(
          res,
          429,
          arkError(
            'QuotaExceeded',
            'The request has exceeded the quota for this account.',
            'TooManyRequests',
          ),
        );
      case 'server_error':
        return this.sendJson(
          res,
          500,
          arkError(
            'InternalServiceError',
            'The service encountered an unexpected internal error.',
            'InternalServerError',
          ),
        );
      case 'not_image':
        return this.sendJson(res, 200, answer(model, Buffer.from('GIF89a not really').toString('base64')));
      case 'ok': {
        if (
          !Array.isArray(body.image) ||
          body.image.some((i) => typeof i !== 'string' || !i.startsWith('data:image/'))
        )
          return this.sendJson(
            res,
            400,
            arkError('InvalidParameter', 'image must be URLs or data URIs', 'BadRequest', 'image'),
          );
        return this.sendJson(res, 200, answer(model, this.outputImage.toString('base64')));
      }
    }
  }
}

function arkError(code: string, message: string, type: string, param?: string): unknown {
  return { error: { code, message, param: param ?? '', type } };
}

function answer(model: string, b64: string): unknown {
  return {
    model,
    created: Math.floor(Date.now() / 1000),
    data: [{ b64_json: b64, size: '64x48' }],
    usage: { generated_images: 1, output_tokens: 12, total_tokens: 12 },
  };
}
