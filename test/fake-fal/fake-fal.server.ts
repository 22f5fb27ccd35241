import type { ServerResponse } from 'node:http';
import {
  FakeHostedServer,
  type HostedRequest,
  type ResultBehaviour,
} from '../fake-hosted/fake-hosted.server';

export type FalScenario =
  | 'ok'
  | 'bad_key'
  | 'locked'
  | 'forbidden'
  | 'not_found'
  | 'invalid'
  | 'rate_limit_once'
  | 'unavailable_retryable'
  | 'failed_not_retryable'
  | 'content_policy'
  | 'nsfw_flag'
  | 'expired_url'
  | 'truncated_png'
  | 'hung_url'
  | 'insecure_url'
  | 'slow_job';

interface FalRequest {
  id: string;
  app: string;
  scenario: FalScenario | 'ok';
  input: Record<string, unknown>;
  polls: number;
  canceled: boolean;
}

const RESULT_OF: Partial<Record<FalScenario, ResultBehaviour | 'insecure'>> = {
  expired_url: 'expired',
  truncated_png: 'truncated_png',
  hung_url: 'hang',
  insecure_url: 'insecure',
};

/**
 * A stand-in for fal's queue on 127.0.0.1: `POST /{endpoint}` with `Authorization: Key …` answers
 * `{request_id, status_url, response_url, cancel_url}`; `GET /{app}/requests/{id}/status` moves through
 * `IN_QUEUE`, `IN_PROGRESS`, `COMPLETED`; `GET /{app}/requests/{id}` gives the result or the model's
 * error; `PUT /{app}/requests/{id}/cancel` cancels. Errors carry `{detail}` (a string, or a list of typed
 * items for validation) and the `X-Fal-Retryable` header.
 */
export class FakeFalServer extends FakeHostedServer<FalScenario> {
  readonly queue = new Map<string, FalRequest>();
  readonly canceled: string[] = [];
  pendingPolls = 2;

  constructor(private readonly apiKey: string) {
    super();
  }

  /** The value for `FAL_QUEUE_URL`. */
  get queueURL(): string {
    return this.origin;
  }

  protected handle(request: HostedRequest, res: ServerResponse): void {
    const key = String(request.headers.authorization ?? '').replace(/^Key /, '');
    if (key !== this.apiKey)
      return this.sendJson(res, 401, { detail: 'Invalid API key' }, { 'x-fal-retryable': 'false' });
    const sub = /^\/([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(request.path);
    if (sub) {
      const job = this.queue.get(sub[2]);
      if (!job || job.app !== sub[1]) return this.sendJson(res, 404, { detail: 'Request not found' });
      if (sub[3] === '/status' && request.method === 'GET') return this.status(job, res);
      if (sub[3] === '/cancel' && request.method === 'PUT') return this.cancel(job, res);
      if (!sub[3] && request.method === 'GET') return this.result(job, res);
    }
    if (request.method === 'POST') return this.submit(request, res, key);
    this.sendJson(res, 405, { detail: 'Method Not Allowed' });
  }

  private submit(request: HostedRequest, res: ServerResponse, key: string): void {
    const endpoint = request.path.slice(1);
    const input = (request.json ?? {}) as Record<string, unknown>;
    const scenario = this.scenarioOf(typeof input.prompt === 'string' ? input.prompt : '');
    // Only the scenarios that answer here are listed; the others go on to a job.
    switch (scenario as string) {
      case 'bad_key':
        return this.sendJson(res, 401, { detail: 'Invalid API key' }, { 'x-fal-retryable': 'false' });
      case 'locked':
        return this.sendJson(res, 403, {
          detail:
            'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
        });
      case 'forbidden':
        return this.sendJson(res, 403, { detail: `Key ${key} lacks access to ${endpoint}.` });
      case 'not_found':
        return this.sendJson(res, 404, { detail: `Application '${endpoint}' not found` });
      case 'invalid':
        return this.sendJson(res, 422, {
          detail: [
            { loc: ['body', 'image_urls'], msg: 'Could not download the image', type: 'image_load_error' },
          ],
        });
      case 'rate_limit_once':
        return this.sendJson(
          res,
          429,
          { detail: 'Too many concurrent requests', error_type: 'rate_limited' },
          { 'x-fal-retryable': 'true' },
        );
      case 'unavailable_retryable':
        return this.sendJson(
          res,
          503,
          { detail: 'No runner could be allocated', error_type: 'runner_scheduling_failure' },
          { 'x-fal-retryable': 'true', 'x-fal-error-type': 'runner_scheduling_failure' },
        );
      default: {
        const images = input.image_urls;
        if (
          typeof input.prompt !== 'string' ||
          !Array.isArray(images) ||
          !images.every((i) => typeof i === 'string' && i.startsWith('data:image/'))
        )
          return this.sendJson(res, 422, {
            detail: [{ loc: ['body', 'image_urls'], msg: 'field required', type: 'missing' }],
          });
        const app = endpoint.split('/').slice(0, 2).join('/');
        const id = this.nextId('fal-');
        this.queue.set(id, { id, app, scenario, input, polls: 0, canceled: false });
        const base = `${this.origin}/${app}/requests/${id}`;
        return this.sendJson(res, 200, {
          status: 'IN_QUEUE',
          request_id: id,
          response_url: base,
          status_url: `${base}/status`,
          cancel_url: `${base}/cancel`,
          queue_position: 0,
        });
      }
    }
  }

  private status(job: FalRequest, res: ServerResponse): void {
    job.polls += 1;
    const base = `${this.origin}/${job.app}/requests/${job.id}`;
    if (job.scenario === 'slow_job' || job.polls <= this.pendingPolls) {
      const status = job.polls <= 1 || job.scenario === 'slow_job' ? 'IN_QUEUE' : 'IN_PROGRESS';
      return this.sendJson(res, 202, {
        status,
        request_id: job.id,
        response_url: base,
        queue_position: 0,
        logs: null,
      });
    }
    this.sendJson(res, 200, {
      status: 'COMPLETED',
      request_id: job.id,
      response_url: base,
      logs: null,
      metrics: { inference_time: 1.2 },
    });
  }

  private cancel(job: FalRequest, res: ServerResponse): void {
    this.canceled.push(job.id);
    job.canceled = true;
    this.sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' });
  }

  private result(job: FalRequest, res: ServerResponse): void {
    switch (job.scenario as string) {
      case 'content_policy':
        return this.sendJson(res, 422, {
          detail: [
            {
              loc: ['body', 'prompt'],
              msg: 'The content could not be processed because it contained material flagged by a content checker.',
              type: 'content_policy_violation',
            },
          ],
        });
      case 'failed_not_retryable':
        return this.sendJson(
          res,
          500,
          { detail: 'Model raised an exception: invalid face crop', error_type: 'internal_error' },
          { 'x-fal-retryable': 'false' },
        );
      case 'nsfw_flag':
        return this.sendJson(res, 200, {
          images: [{ url: this.resultUrl('image'), content_type: 'image/png' }],
          has_nsfw_concepts: [true],
        });
      default:
        return this.sendJson(res, 200, {
          images: [
            {
              url: this.resultUrl(RESULT_OF[job.scenario] ?? 'image'),
              content_type: 'image/png',
              file_name: 'output.png',
              width: 64,
              height: 48,
            },
          ],
          description: '',
        });
    }
  }
}
