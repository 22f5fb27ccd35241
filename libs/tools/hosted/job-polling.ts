import { final, type ToolFailure } from '../tool';

/** One look at a job: still running, finished with a value, or failed for good. */
export type PollStep<T> = { state: 'running' } | PollEnd<T>;

/** How a job ended. */
export type PollEnd<T> = { state: 'done'; value: T } | { state: 'failed'; failure: ToolFailure };

export interface PollOptions {
  /** First wait between looks. */
  intervalMs: number;
  /** Longest wait between looks; the wait grows by half each time up to this. */
  maxIntervalMs?: number;
  signal: AbortSignal;
  /** For the cancel message. */
  service: string;
}

/**
 * Looks at a job until it is done or failed, waiting longer between looks (×1.5 each time, capped) so a
 * slow job costs few requests. Ends at once with `aborted` when the item's signal fires.
 */
export async function pollJob<T>(
  look: () => Promise<PollStep<T>>,
  options: PollOptions,
): Promise<PollEnd<T>> {
  const cap = options.maxIntervalMs ?? Math.max(options.intervalMs, Math.min(10 * options.intervalMs, 5_000));
  let wait = options.intervalMs;
  for (;;) {
    if (options.signal.aborted) return aborted(options.service);
    const step = await look();
    if (step.state !== 'running') return step;
    if (!(await pause(wait, options.signal))) return aborted(options.service);
    wait = Math.min(cap, Math.round(wait * 1.5));
  }
}

/**
 * Runs `cancelAtService` once if `signal` fires before `dispose` is called: a canceled or timed-out item
 * must not leave a paid job running at the service. Failures of the cancel itself are ignored (the job
 * ends on its own), and the cancel carries its own short time limit since the item's signal is spent.
 */
export function cancelOnAbort(signal: AbortSignal, cancelAtService: () => Promise<unknown>): () => void {
  const onAbort = () => void cancelAtService().catch(() => undefined);
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Time limit of a cancel request sent after the item's own signal fired. */
export const CANCEL_TIMEOUT_MS = 10_000;

/** Resolves true after `ms`, or false as soon as the signal fires. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(service: string): PollEnd<never> {
  return { state: 'failed', failure: final('aborted', `Waiting for ${service}'s job was canceled.`) };
}
