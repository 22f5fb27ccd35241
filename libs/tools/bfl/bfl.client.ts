import { failed, final, type ToolFailure } from '../tool';
import { failureFromHttp, parseJson, retryAfterHeader, type HostedService } from '../hosted/hosted-failures';
import { isLoopbackHost, refuseUrl } from '../hosted/result-download';

export const BFL_DEFAULT_BASE_URL = 'https://api.bfl.ai';

/** The body of a generation request: `prompt`, `input_image`, `input_image_2`…, and the model's knobs. */
export type BflRequest = Record<string, string | number | boolean>;

/** What the service answers to a submission. `cost` is in credits (1 credit = $0.01). */
export interface BflSubmission {
  id: string;
  polling_url?: string;
  cost?: number;
}

/** A status answer of `get_result`. */
export interface BflStatus {
  id?: string;
  status: string;
  result?: { sample?: string } | null;
  details?: unknown;
}

export type BflAnswer<T> = { ok: true; value: T } | { ok: false; failure: ToolFailure };

/**
 * A small typed client of the Black Forest Labs API on `fetch` (there is no official Node SDK): submit
 * to `/v1/{model}` with the `x-key` header, then read the job's `polling_url`. It never retries; the
 * runner does.
 */
export class BflClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    private readonly service: HostedService,
  ) {}

  submit(model: string, body: BflRequest, signal: AbortSignal): Promise<BflAnswer<BflSubmission>> {
    return this.call<BflSubmission>(`${this.baseUrl}/v1/${encodeURIComponent(model)}`, signal, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  }

  status(submission: BflSubmission, signal: AbortSignal): Promise<BflAnswer<BflStatus>> {
    return this.call<BflStatus>(this.pollingUrl(submission), signal, { method: 'GET' });
  }

  /**
   * Where to poll: the `polling_url` the service gave (the global endpoint routes jobs to a cluster),
   * when it is https on the service's own domain or on this machine for a local base; otherwise the
   * base URL's `get_result`, so the key is never sent to a host the answer named.
   */
  pollingUrl(submission: BflSubmission): string {
    const fallback = `${this.baseUrl}/v1/get_result?id=${encodeURIComponent(submission.id)}`;
    const given = submission.polling_url;
    if (!given || refuseUrl(given, this.baseUrl)) return fallback;
    const host = new URL(given).hostname;
    const baseHost = new URL(this.baseUrl).hostname;
    const trusted =
      host === baseHost || host.endsWith('.bfl.ai') || (isLoopbackHost(host) && isLoopbackHost(baseHost));
    return trusted ? given : fallback;
  }

  /** One request; a request that got no answer throws, for the tool to read as a network failure. */
  private async call<T>(url: string, signal: AbortSignal, init: RequestInit): Promise<BflAnswer<T>> {
    const res = await fetch(url, {
      ...init,
      signal,
      headers: { 'x-key': this.key, accept: 'application/json', 'content-type': 'application/json' },
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const said = errorText(text);
      return failed(
        failureFromHttp(
          {
            status: res.status,
            said,
            retryAfterMs: retryAfterHeader(res.headers.get('retry-after')),
            quota: res.status === 402 || /insufficient credits/i.test(said),
          },
          this.service,
        ),
      );
    }
    try {
      return { ok: true, value: JSON.parse(text) as T };
    } catch {
      return failed(final('bad_output', `${this.service.name} answered 200 with a body that is not JSON.`));
    }
  }
}

/** BFL errors come as `{"detail": "..."}` or a FastAPI list of `{"msg"}`; anything else is quoted short. */
function errorText(text: string): string {
  const body = parseJson<{ detail?: unknown; message?: unknown }>(text);
  if (typeof body?.detail === 'string') return body.detail;
  if (Array.isArray(body?.detail))
    return body.detail
      .map((d: { msg?: unknown; loc?: unknown }) => `${String(d.msg)} (${JSON.stringify(d.loc)})`)
      .join('; ');
  if (typeof body?.message === 'string') return body.message;
  return text.slice(0, 300);
}
