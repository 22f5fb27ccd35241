import type { RunEvent } from '../../libs/core/run-events';
import { UserError } from '../../libs/core/user-error';
import type { RunRequest } from '../../libs/runs/run-request';
import type { RunDetail } from '../../libs/runs/run-views';
import type { SkippedCase } from '../../libs/runs/scorability.service';

/** How often following a run reconnects after its event stream broke, before giving up. */
const RECONNECTS = 5;

/**
 * A swapbench server's API as `run --server` calls it (docs/cli.md §7.6): the token goes in the
 * `Authorization` header only; the server's `{error}` answers become UserErrors (exit 2) that say who
 * refused and why.
 */
export class TeamServer {
  readonly base: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserError(
        `--server: give the server's address, such as https://bench.example.org (got "${url}")`,
      );
    }
    if (
      !['http:', 'https:'].includes(parsed.protocol) ||
      parsed.username ||
      parsed.password ||
      parsed.search
    ) {
      throw new UserError('--server: give an http:// or https:// address without a user, password or query');
    }
    if (token !== undefined && !/^\S{1,200}$/.test(token)) {
      throw new UserError('--token: give the token that POST /api/login with "token": true returned');
    }
    this.base = parsed.href.replace(/\/+$/, '');
  }

  /** Starts a run there (`POST /api/run`); the server executes it. */
  startRun(request: RunRequest): Promise<{ run_id: string; skipped: SkippedCase[] }> {
    return this.json('/api/run', { method: 'POST', body: JSON.stringify(request) });
  }

  /** The run with its items (`GET /api/runs/{id}`). */
  detail(runId: string): Promise<RunDetail> {
    return this.json(`/api/runs/${encodeURIComponent(runId)}`);
  }

  /**
   * Follows the run's server-sent events until it finishes, catching up (again) after a broken stream;
   * `signal` stops following early.
   */
  async follow(runId: string, onEvent: (event: RunEvent) => void, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.followOnce(runId, onEvent, signal)) return;
      } catch (error) {
        if (signal.aborted || error instanceof UserError || attempt >= RECONNECTS) throw error;
      }
      if (signal.aborted) return;
      if (attempt >= RECONNECTS) {
        throw new UserError(
          `--server ${this.base}: the run's event stream kept breaking; see ${this.base}/?run=${runId}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
    }
  }

  /** Reads one event stream; true once the run finished, false when the stream ended before. */
  private async followOnce(
    runId: string,
    onEvent: (event: RunEvent) => void,
    signal: AbortSignal,
  ): Promise<boolean> {
    const res = await this.call(`/api/runs/${encodeURIComponent(runId)}/events`, {
      headers: { Accept: 'text/event-stream' },
      signal,
    });
    if (!res.body) return false;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (!line.startsWith('data: ')) continue;
            const event = JSON.parse(line.slice(6)) as RunEvent;
            onEvent(event);
            if (event.type === 'run_finished' && event.run_id === runId) return true;
          }
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.call(path, init);
    return (await res.json()) as T;
  }

  /** One request with the token; an answer that is not 2xx is an error naming the server and its reason. */
  private async call(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token !== undefined) headers.set('Authorization', `Bearer ${this.token}`);
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { ...init, headers });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError(
        `--server ${this.base}: cannot reach it (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      );
    }
    if (res.ok) return res;
    const reason = await res
      .json()
      .then((body: { error?: unknown }) => (typeof body.error === 'string' ? body.error : res.statusText))
      .catch(() => res.statusText);
    if (res.status === 401) {
      throw new UserError(
        this.token === undefined
          ? `--server ${this.base} needs a token: --token <t> (docs/team.md: POST /api/login with "token": true)`
          : `--token: ${this.base} refused it (${reason})`,
      );
    }
    if (res.status < 500) throw new UserError(`${this.base} refused: ${reason}`);
    throw new Error(`${this.base} answered ${res.status}: ${reason}`);
  }
}
