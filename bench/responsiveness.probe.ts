import { parentPort, workerData } from 'node:worker_threads';

/** What the probe asks for and how often (passed as `workerData`). */
export interface ProbeSettings {
  url: string;
  intervalMs: number;
}

/** What the probe reports when told to stop. */
export interface ProbeReport {
  /** One latency per request, in ms, from the moment it was due to its full response. */
  latenciesMs: number[];
  /** Requests that failed or answered other than 200. */
  failures: number;
}

/**
 * A client on its own thread, so that a blocked server event loop cannot also delay the client's
 * clock: it requests `url` every `intervalMs` on a fixed schedule, without waiting for earlier
 * answers, and times each request from when it was due (a request sent late counts its wait), until
 * the parent posts 'stop'.
 */
function main(): void {
  const port = parentPort;
  if (!port) throw new Error('responsiveness.probe must run as a worker thread');
  const { url, intervalMs } = workerData as ProbeSettings;
  const latenciesMs: number[] = [];
  const pending = new Set<Promise<void>>();
  let failures = 0;
  let stopped = false;
  let start = 0;
  let next = 0;

  const request = (due: number) => {
    const done = fetch(url)
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status === 200) latenciesMs.push(performance.now() - due);
        else failures++;
      })
      .catch(() => {
        failures++;
      })
      .finally(() => pending.delete(done));
    pending.add(done);
  };
  const tick = () => {
    if (stopped) return;
    const due = start + next * intervalMs;
    request(due);
    next++;
    setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
  };
  port.once('message', () => {
    stopped = true;
    void Promise.all(pending).then(() => port.postMessage({ latenciesMs, failures } satisfies ProbeReport));
  });
  // One untimed request first: the client's own first fetch (connection, HTTP stack) is not the server's lag.
  void fetch(url)
    .then((response) => response.arrayBuffer())
    .catch(() => undefined)
    .finally(() => {
      start = performance.now();
      tick();
    });
}

main();
