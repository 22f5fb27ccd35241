import type { ServerResponse } from 'node:http';
import {
  FakeHostedServer,
  type HostedRequest,
  type ResultBehaviour,
} from '../fake-hosted/fake-hosted.server';

export type BflScenario =
  | 'ok'
  | 'bad_key'
  | 'no_credits'
  | 'forbidden'
  | 'invalid'
  | 'rate_limit_once'
  | 'server_error'
  | 'request_moderated'
  | 'content_moderated'
  | 'job_error'
  | 'task_not_found'
  | 'expired_url'
  | 'truncated_png'
  | 'cut_connection'
  | 'hung_url'
  | 'insecure_url'
  | 'foreign_polling_url'
  | 'slow_job';

/** Credits the fake's submission answer says a job costs (1 credit = $0.01). */
export const BFL_COST_CREDITS = 4.5;

interface BflJob {
  scenario: BflScenario | 'ok';
  polls: number;
  url: string | null;
}

const RESULT_OF: Partial<Record<BflScenario, ResultBehaviour | 'insecure'>> = {
  expired_url: 'expired',
  truncated_png: 'truncated_png',
  cut_connection: 'cut_connection',
  hung_url: 'hang',
  insecure_url: 'insecure',
};

/**
 * A stand-in for the Black Forest Labs API on 127.0.0.1: `POST /v1/{model}` with `x-key` answers
 * `{id, polling_url, cost}`; `GET /v1/get_result?id=` answers `Pending` a few times and then `Ready` with a
 * signed `result.sample` URL, or `Request Moderated`, `Content Moderated`, `Error`, `Task not found`.
 * Errors are FastAPI-style `{"detail": …}` bodies.
 */
export class FakeBflServer extends FakeHostedServer<BflScenario> {
  readonly jobs = new Map<string, BflJob>();
  /** How many `Pending` answers a job gives before it finishes. */
  pendingPolls = 2;

  constructor(private readonly apiKey: string) {
    super();
  }

  get baseURL(): string {
    return this.origin;
  }

  protected handle(request: HostedRequest, res: ServerResponse): void {
    const key = String(request.headers['x-key'] ?? '');
    if (request.method === 'GET' && request.path === '/v1/get_result') return this.poll(request, res, key);
    const model = /^\/v1\/([a-z0-9.-]+)$/.exec(request.path)?.[1];
    if (request.method !== 'POST' || !model) return this.sendJson(res, 404, { detail: 'Not Found' });
    const body = (request.json ?? {}) as Record<string, unknown>;
    const scenario = this.scenarioOf(typeof body.prompt === 'string' ? body.prompt : '');
    if (scenario === 'bad_key' || key !== this.apiKey)
      return this.sendJson(res, 401, { detail: 'Not authenticated - Invalid Authentication' });
    // Only the scenarios that answer here are listed; the others go on to a job.
    switch (scenario as string) {
      case 'no_credits':
        return this.sendJson(res, 402, {
          detail: 'Insufficient credits. Please add credits at https://api.bfl.ai',
        });
      case 'forbidden':
        return this.sendJson(res, 403, { detail: `Key ${key} lacks access to ${model}.` });
      case 'invalid':
        return this.sendJson(res, 422, {
          detail: [
            {
              loc: ['body', 'safety_tolerance'],
              msg: 'Input should be less than or equal to 6',
              type: 'less_than_equal',
            },
          ],
        });
      case 'rate_limit_once':
        return this.sendJson(
          res,
          429,
          { detail: 'You have exceeded the number of active tasks (24).' },
          { 'retry-after': '1' },
        );
      case 'server_error':
        return this.sendJson(res, 500, { detail: 'Internal Server Error' });
      default: {
        if (typeof body.prompt !== 'string' || typeof body.input_image !== 'string')
          return this.sendJson(res, 422, {
            detail: [{ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' }],
          });
        const id = this.nextId('bfl-');
        this.jobs.set(id, { scenario, polls: 0, url: null });
        const pollOrigin = scenario === 'foreign_polling_url' ? 'http://203.0.113.9' : this.origin;
        return this.sendJson(res, 200, {
          id,
          polling_url: `${pollOrigin}/v1/get_result?id=${id}`,
          cost: BFL_COST_CREDITS,
        });
      }
    }
  }

  private poll(request: HostedRequest, res: ServerResponse, key: string): void {
    if (key !== this.apiKey)
      return this.sendJson(res, 401, { detail: 'Not authenticated - Invalid Authentication' });
    const id = request.query.get('id') ?? '';
    const job = this.jobs.get(id);
    if (!job || job.scenario === 'task_not_found')
      return this.sendJson(res, 200, { id, status: 'Task not found' });
    job.polls += 1;
    if (job.scenario === 'slow_job' || job.polls <= this.pendingPolls)
      return this.sendJson(res, 200, {
        id,
        status: 'Pending',
        result: null,
        progress: Math.min(0.9, job.polls / 10),
      });
    switch (job.scenario as string) {
      case 'request_moderated':
        return this.sendJson(res, 200, {
          id,
          status: 'Request Moderated',
          details: { 'Moderation Reasons': ['Derivative Works Filter'] },
        });
      case 'content_moderated':
        return this.sendJson(res, 200, {
          id,
          status: 'Content Moderated',
          details: { 'Moderation Reasons': ['NSFW'] },
        });
      case 'job_error':
        return this.sendJson(res, 200, { id, status: 'Error', details: { error: 'Generation failed' } });
      default:
        job.url ??= this.resultUrl(RESULT_OF[job.scenario as BflScenario] ?? 'image');
        return this.sendJson(res, 200, {
          id,
          status: 'Ready',
          result: { sample: job.url, prompt: 'x', seed: 1 },
        });
    }
  }
}
