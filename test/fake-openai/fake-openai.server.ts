import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';
import { failureReply, openAIError, type FakeReply, type FakeScenario } from './fake-openai.scenarios';

/** A file part of a multipart request, as the server received it. */
export interface RecordedFile {
  field: string;
  filename: string;
  type: string;
  data: Buffer;
}

/** One request the fake server received, kept for tests to inspect. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  /** Parsed JSON body, for JSON requests. */
  json: unknown;
  /** Text fields of a multipart body; a field sent several times keeps every value in order. */
  fields: Record<string, string[]>;
  /** File parts of a multipart body, in the order they were sent. */
  files: RecordedFile[];
}

export interface FakeOpenAIOptions {
  /** The only key the server accepts; other keys get the documented 401. Default: any key is accepted. */
  apiKey?: string;
  /** Models the server serves. The default leaves out the DALL·E models, which OpenAI removed in 2026. */
  models?: string[];
  /** What the chat model answers to a vision request. */
  chatReply?: string;
}

export const DEFAULT_FAKE_MODELS = ['gpt-image-1', 'gpt-image-1.5', 'gpt-image-1-mini', 'gpt-4.1', 'gpt-4o'];

/**
 * A stand-in for the OpenAI API on 127.0.0.1 that implements `/v1/images/edits`,
 * `/v1/images/generations`, `/v1/chat/completions` and `/v1/models` with the documented request and
 * response shapes, records every request, and can be told to answer with any failure the tools must
 * handle. The real `openai` SDK talks to it through its base URL.
 */
export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  /** The PNG every successful image answer carries. */
  outputImage = Buffer.alloc(0);
  chatReply: string;
  readonly models: Set<string>;
  /** The scenario each request of `requests` was answered with, in the same order. */
  readonly served: FakeScenario[] = [];
  /**
   * Picks the scenario of each request when nothing is queued (see `random-faults.ts`); null answers `ok`.
   * Retry hints are shortened to `retryAfter` so that a test of many faults stays quick.
   */
  faults: {
    pick: (request: RecordedRequest) => FakeScenario;
    retryAfter: { seconds: string; ms: string };
  } | null = null;
  private readonly queued: FakeScenario[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  constructor(private readonly options: FakeOpenAIOptions = {}) {
    this.models = new Set(options.models ?? DEFAULT_FAKE_MODELS);
    this.chatReply =
      options.chatReply ??
      'A sunny park with two people side by side. On the left, a person with short grey hair and round glasses; on the right, a person with long dark curly hair.';
  }

  /** Listens on a free port of 127.0.0.1 and returns the server. */
  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
    const fake = new FakeOpenAIServer(options);
    fake.outputImage = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 12, g: 200, b: 90 } },
    })
      .png()
      .toBuffer();
    const server = createServer((req, res) => void fake.handle(req, res));
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** The base URL to give the SDK, e.g. `http://127.0.0.1:40123/v1`. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Answers the next `times` requests (any endpoint) with `scenario`, then goes back to normal. */
  failNext(scenario: FakeScenario, times = 1): void {
    for (let i = 0; i < times; i++) this.queued.push(scenario);
  }

  /** Requests to one path, e.g. `/v1/images/edits`. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const recorded = await this.record(req);
      this.requests.push(recorded);
      const scenario = this.queued.shift() ?? this.faults?.pick(recorded) ?? 'ok';
      this.served.push(scenario);
      await this.answer(recorded, scenario, res);
    } catch (error) {
      send(res, openAIError(500, `fake server bug: ${(error as Error).message}`, 'server_error', null));
    }
  }

  private async record(req: IncomingMessage): Promise<RecordedRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const contentType = req.headers['content-type'] ?? null;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
      authorization: req.headers.authorization ?? null,
      contentType,
      json: null,
      fields: {},
      files: [],
    };
    if (contentType?.startsWith('application/json') && body.length > 0) {
      recorded.json = JSON.parse(body.toString('utf8'));
    } else if (contentType?.startsWith('multipart/form-data')) {
      // The web-standard parser that ships with Node 20 (undici) reads the multipart body exactly as a browser would.
      const form = await new Request('http://127.0.0.1/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      }).formData();
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') (recorded.fields[field] ??= []).push(value);
        else
          recorded.files.push({
            field,
            filename: value.name,
            type: value.type,
            data: Buffer.from(await value.arrayBuffer()),
          });
      }
    }
    return recorded;
  }

  private async answer(request: RecordedRequest, scenario: FakeScenario, res: ServerResponse): Promise<void> {
    const key = (request.authorization ?? '').replace(/^Bearer /, '');
    const model = this.modelOf(request);
    if (scenario === 'hang') return; // never answers: the client's timeout or abort must end the request
    if (scenario === 'drop_connection') {
      res.socket?.destroy();
      return;
    }
    const failure = failureReply(scenario, key, model);
    if (failure && this.faults) {
      if (failure.headers['retry-after']) failure.headers['retry-after'] = this.faults.retryAfter.seconds;
      if (failure.headers['retry-after-ms']) failure.headers['retry-after-ms'] = this.faults.retryAfter.ms;
    }
    if (failure) return send(res, failure);
    if (this.options.apiKey !== undefined && key !== this.options.apiKey)
      return send(res, failureReply('auth_401', key, model) as FakeReply);

    if (request.method === 'GET' && request.path === '/v1/models')
      return sendJson(res, 200, this.modelList());
    if (request.method === 'GET' && request.path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(request.path.slice('/v1/models/'.length));
      if (!this.models.has(id)) return send(res, failureReply('model_not_found_404', key, id) as FakeReply);
      return sendJson(res, 200, { id, object: 'model', created: 1700000000, owned_by: 'system' });
    }
    if (request.method !== 'POST')
      return send(
        res,
        openAIError(
          404,
          `Unknown request URL: ${request.method} ${request.path}`,
          'invalid_request_error',
          'unknown_url',
        ),
      );

    switch (request.path) {
      case '/v1/images/edits':
        return this.answerImage(res, request, scenario, { prompt: firstField(request, 'prompt') });
      case '/v1/images/generations':
        return this.answerImage(res, request, scenario, { prompt: jsonField(request, 'prompt') });
      case '/v1/chat/completions':
        if (!this.models.has(model))
          return send(res, failureReply('model_not_found_404', key, model) as FakeReply);
        return sendJson(res, 200, this.chatCompletion(model));
      default:
        return send(
          res,
          openAIError(
            404,
            `Unknown request URL: POST ${request.path}`,
            'invalid_request_error',
            'unknown_url',
          ),
        );
    }
  }

  private async answerImage(
    res: ServerResponse,
    request: RecordedRequest,
    scenario: FakeScenario,
    info: { prompt: string },
  ): Promise<void> {
    const model = this.modelOf(request);
    if (!this.models.has(model))
      return send(res, failureReply('model_not_found_404', '', model) as FakeReply);
    if (!info.prompt)
      return send(
        res,
        openAIError(
          400,
          "Missing required parameter: 'prompt'.",
          'invalid_request_error',
          'missing_required_parameter',
          'prompt',
        ),
      );
    let image: Buffer = this.outputImage;
    if (scenario === 'not_image_200') image = Buffer.from('this is not an image, just some bytes');
    if (scenario === 'truncated_png_200') image = await truncatedPng();
    sendJson(res, 200, {
      created: Math.floor(Date.now() / 1000),
      data: [
        {
          b64_json: image.toString('base64'),
          ...(model.startsWith('dall-e') ? { revised_prompt: `revised: ${info.prompt}` } : {}),
        },
      ],
      ...(model.startsWith('gpt-image')
        ? {
            background: 'opaque',
            output_format: 'png',
            quality: firstField(request, 'quality') || jsonField(request, 'quality') || 'high',
            size: firstField(request, 'size') || jsonField(request, 'size') || '1024x1024',
            usage: {
              input_tokens: 1200,
              input_tokens_details: { image_tokens: 1000, text_tokens: 200 },
              output_tokens: 4160,
              total_tokens: 5360,
            },
          }
        : {}),
    });
  }

  private chatCompletion(model: string): unknown {
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: this.chatReply, refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 },
    };
  }

  private modelList(): unknown {
    return {
      object: 'list',
      data: [...this.models].map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'system' })),
    };
  }

  private modelOf(request: RecordedRequest): string {
    return (
      firstField(request, 'model') ||
      jsonField(request, 'model') ||
      (request.path.includes('/images/') ? 'dall-e-2' : '')
    );
  }
}

function firstField(request: RecordedRequest, name: string): string {
  return request.fields[name]?.[0] ?? '';
}

function jsonField(request: RecordedRequest, name: string): string {
  const json = request.json as Record<string, unknown> | null;
  const value = json?.[name];
  return typeof value === 'string' ? value : '';
}

/** A PNG cut in the middle of its pixel data: the header reads fine, decoding fails. */
async function truncatedPng(): Promise<Buffer> {
  const noise = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const png = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toBuffer();
  return png.subarray(0, Math.floor(png.length / 2));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function send(res: ServerResponse, reply: FakeReply): void {
  res.writeHead(reply.status, { ...reply.headers, 'x-request-id': `req_fake_${Date.now()}` });
  res.end(reply.body);
}
