import type { ServerResponse } from 'node:http';
import {
  FakeHostedServer,
  type HostedRequest,
  type ResultBehaviour,
} from '../fake-hosted/fake-hosted.server';

export type ReplicateScenario =
  | 'ok'
  | 'ok_at_once'
  | 'bad_key'
  | 'no_credit'
  | 'forbidden'
  | 'model_not_found'
  | 'invalid_input'
  | 'throttled_once'
  | 'server_error'
  | 'nsfw'
  | 'prediction_failed'
  | 'expired_url'
  | 'truncated_png'
  | 'hung_url'
  | 'insecure_url'
  | 'slow_job';

/** The delay the fake's 429 names in its `detail` sentence, in seconds. */
export const REPLICATE_THROTTLE_S = 1;

interface FakePrediction {
  id: string;
  scenario: ReplicateScenario | 'ok';
  model: string;
  input: Record<string, unknown>;
  polls: number;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  output: string | null;
  error: string | null;
}

const RESULT_OF: Partial<Record<ReplicateScenario, ResultBehaviour | 'insecure'>> = {
  expired_url: 'expired',
  truncated_png: 'truncated_png',
  hung_url: 'hang',
  insecure_url: 'insecure',
};

/**
 * A stand-in for Replicate's HTTP API on 127.0.0.1: `POST /v1/files` (multipart upload), `POST
 * /v1/models/{owner}/{name}/predictions` and `POST /v1/predictions` (with `Prefer: wait`), `GET
 * /v1/predictions/{id}` moving through `starting`, `processing`, `succeeded|failed`, and `POST
 * /v1/predictions/{id}/cancel`. Errors are problem bodies `{title, detail, status}`; a 429 names its delay
 * in `detail`, as Replicate's throttling answer does.
 */
export class FakeReplicateServer extends FakeHostedServer<ReplicateScenario> {
  readonly predictions = new Map<string, FakePrediction>();
  readonly uploads = new Map<string, Buffer>();
  readonly canceled: string[] = [];
  pendingPolls = 2;

  constructor(private readonly apiKey: string) {
    super();
  }

  /** The value for `REPLICATE_BASE_URL`. */
  get baseURL(): string {
    return `${this.origin}/v1`;
  }

  protected async handle(request: HostedRequest, res: ServerResponse): Promise<void> {
    const key = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (request.method === 'GET' && request.path.startsWith('/v1/files/')) {
      const data = this.uploads.get(request.path.slice('/v1/files/'.length));
      if (!data)
        return this.sendJson(
          res,
          404,
          problem(404, 'Not found', 'The requested resource could not be found.'),
        );
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(data);
    }
    if (key !== this.apiKey)
      return this.sendJson(
        res,
        401,
        problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'),
      );
    if (request.method === 'POST' && request.path === '/v1/files') return this.upload(request, res);
    const create = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(request.path);
    if (request.method === 'POST' && (create || request.path === '/v1/predictions'))
      return this.create(
        request,
        res,
        create?.[1] ?? String((request.json as { version?: string })?.version),
        key,
      );
    const cancel = /^\/v1\/predictions\/([^/]+)\/cancel$/.exec(request.path);
    if (request.method === 'POST' && cancel) return this.cancel(cancel[1], res);
    const get = /^\/v1\/predictions\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && get) return this.poll(get[1], res);
    this.sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
  }

  private async upload(request: HostedRequest, res: ServerResponse): Promise<void> {
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type']) },
      body: new Uint8Array(request.body),
    }).formData();
    const content = form.get('content');
    if (!(content instanceof Blob))
      return this.sendJson(res, 422, problem(422, 'Invalid file', 'content is required'));
    const id = this.nextId('file-');
    const data = Buffer.from(await content.arrayBuffer());
    this.uploads.set(id, data);
    this.sendJson(res, 201, {
      id,
      name: content instanceof File ? content.name : id,
      content_type: content.type,
      size: data.length,
      checksums: { sha256: 'x' },
      metadata: {},
      created_at: new Date().toISOString(),
      expires_at: null,
      urls: { get: `${this.baseURL}/files/${id}` },
    });
  }

  private create(request: HostedRequest, res: ServerResponse, model: string, key: string): void {
    const input = ((request.json ?? {}) as { input?: Record<string, unknown> }).input ?? {};
    const scenario = this.scenarioOf(JSON.stringify(input));
    if (scenario === 'bad_key')
      return this.sendJson(
        res,
        401,
        problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'),
      );
    // Only the scenarios that answer here are listed; the others go on to a job.
    switch (scenario as string) {
      case 'no_credit':
        return this.sendJson(
          res,
          402,
          problem(
            402,
            'Insufficient credit',
            'You have insufficient credit to run this model. Go to https://replicate.com/account/billing to top up.',
          ),
        );
      case 'forbidden':
        return this.sendJson(
          res,
          403,
          problem(403, 'Forbidden', `The token ${key} lacks access to ${model}.`),
        );
      case 'model_not_found':
        return this.sendJson(
          res,
          404,
          problem(404, 'Not found', 'The requested resource could not be found.'),
        );
      case 'invalid_input':
        return this.sendJson(res, 422, {
          ...problem(
            422,
            'Input validation failed',
            '- input.aspect_ratio: aspect_ratio must be one of the following: "match_input_image"',
          ),
          invalid_fields: [],
        });
      case 'throttled_once':
        return this.sendJson(
          res,
          429,
          problem(
            429,
            'Request was throttled',
            `Request was throttled. Expected available in ${REPLICATE_THROTTLE_S} second.`,
          ),
        );
      case 'server_error':
        return this.sendJson(res, 502, problem(502, 'Bad gateway', 'Upstream error, please retry.'));
      default: {
        const images = Object.values(input)
          .flat()
          .filter((v) => typeof v === 'string' && v.startsWith(`${this.baseURL}/files/`));
        if (images.length < 2)
          return this.sendJson(res, 422, problem(422, 'Input validation failed', '- input: images missing'));
        const prediction: FakePrediction = {
          id: this.nextId('p'),
          scenario,
          model,
          input,
          polls: 0,
          status: 'starting',
          output: null,
          error: null,
        };
        this.predictions.set(prediction.id, prediction);
        // `Prefer: wait` holds the request until the prediction is done; this fake finishes `ok_at_once` jobs at once.
        if (String(request.headers.prefer ?? '').startsWith('wait') && scenario === 'ok_at_once')
          this.finish(prediction);
        return this.sendJson(res, 201, this.view(prediction));
      }
    }
  }

  private poll(id: string, res: ServerResponse): void {
    const prediction = this.predictions.get(id);
    if (!prediction)
      return this.sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
    if (prediction.status === 'starting' || prediction.status === 'processing') {
      prediction.polls += 1;
      if (prediction.scenario !== 'slow_job' && prediction.polls > this.pendingPolls) this.finish(prediction);
      else prediction.status = 'processing';
    }
    this.sendJson(res, 200, this.view(prediction));
  }

  private cancel(id: string, res: ServerResponse): void {
    const prediction = this.predictions.get(id);
    if (!prediction)
      return this.sendJson(res, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
    this.canceled.push(id);
    if (prediction.status === 'starting' || prediction.status === 'processing')
      prediction.status = 'canceled';
    this.sendJson(res, 200, this.view(prediction));
  }

  private finish(prediction: FakePrediction): void {
    if (prediction.scenario === 'nsfw') {
      prediction.status = 'failed';
      prediction.error = 'NSFW content detected. Try running it again, or try a different prompt.';
    } else if (prediction.scenario === 'prediction_failed') {
      prediction.status = 'failed';
      prediction.error = 'CUDA out of memory.';
    } else {
      prediction.status = 'succeeded';
      prediction.output = this.resultUrl(RESULT_OF[prediction.scenario as ReplicateScenario] ?? 'image');
    }
  }

  private view(p: FakePrediction): unknown {
    return {
      id: p.id,
      model: p.model,
      version: 'hidden',
      input: p.input,
      logs: '',
      output: p.output,
      data_removed: false,
      error: p.error,
      status: p.status,
      created_at: new Date().toISOString(),
      metrics: p.status === 'succeeded' ? { predict_time: 1.5 } : {},
      urls: {
        get: `${this.baseURL}/predictions/${p.id}`,
        cancel: `${this.baseURL}/predictions/${p.id}/cancel`,
        stream: `${this.origin}/stream/${p.id}`,
      },
    };
  }
}

function problem(status: number, title: string, detail: string): Record<string, unknown> {
  return { title, detail, status };
}
