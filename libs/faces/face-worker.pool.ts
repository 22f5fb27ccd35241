import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
// sharp must be loaded on the main thread before any worker that uses it starts (its shared libraries
// would otherwise be unloaded when a worker exits: lovell/sharp#2263).
import 'sharp';
import type { AnalyzedFace, FaceWorkerRequest, FaceWorkerResponse } from './face.types';
import type { WorkerTask } from './worker-task';

interface Job {
  request: FaceWorkerRequest;
  /** What the job does, for error messages ("Face analysis", "Worker task measureImage"). */
  label: string;
  /** Workers that died while running it. */
  crashes: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  /** Set once the worker has loaded its models. */
  ready: boolean;
  busy: Job | null;
  /** Set once the worker is being replaced: its late messages and exit are ignored. */
  gone: boolean;
}

/** Facts about the pool's start, for benchmarks and diagnostics. */
export interface PoolStartInfo {
  /** Model load time inside each worker, in milliseconds. */
  loadMs: number[];
  /** Mesh triangulation (vertex index triples over the first 468 mesh points). */
  triangles: number[];
}

/** A job runs again on another worker after its worker died once; the second death fails it. */
const MAX_CRASHES = 2;
/** Workers that fail to start this many times in a row (models that cannot load) fail what is queued. */
const MAX_START_FAILURES = 3;

/**
 * A fixed number of worker threads, each holding one loaded Human, fed from one FIFO queue with face
 * analyses and pixel tasks alike (one pool sized to the cores for all CPU-heavy scoring; first come,
 * first served, so neither kind starves the other). Inputs are copied to the worker, never moved, so
 * a job whose worker crashes or exits runs again on a fresh one; the pool replaces dead workers and
 * never stays broken. Workers are unreferenced while idle so that they never keep the process alive,
 * and referenced while they work so that an awaited analysis is not cut short by the process exiting.
 */
export class FaceWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private startFailures = 0;
  /** Workers that crashed or exited and were replaced, for diagnostics and tests. */
  replaced = 0;
  readonly started: Promise<PoolStartInfo>;

  constructor(private readonly size: number) {
    const loads: Array<Promise<{ loadMs: number; triangles: number[] }>> = [];
    for (let i = 0; i < Math.max(1, size); i++) loads.push(this.spawn());
    this.started = Promise.all(loads).then((infos) => ({
      loadMs: infos.map((i) => i.loadMs),
      triangles: infos[0].triangles,
    }));
    // A failed start is reported to each caller through `run`; this only keeps it from being unhandled.
    this.started.catch(() => undefined);
  }

  /** Analyzes one image on the first free worker (the pixels are copied to it). */
  run(width: number, height: number, pixels: Uint8Array): Promise<AnalyzedFace[]> {
    return this.enqueue(
      { kind: 'analyze', id: this.nextId++, width, height, pixels },
      'Face analysis',
    ) as Promise<AnalyzedFace[]>;
  }

  /** Runs a pixel task on the first free worker (its input is copied to it). */
  runTask<I, O>(task: WorkerTask<I, O>, input: I): Promise<O> {
    const { module, exportName } = task;
    return this.enqueue(
      { kind: 'task', id: this.nextId++, module, exportName, input },
      `Worker task ${exportName}`,
    ) as Promise<O>;
  }

  /** Stops every worker; queued and running analyses fail with a readable error. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('The face analyzer was closed while analyzing');
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const w of this.workers) {
      w.busy?.reject(error);
      w.busy = null;
      w.gone = true;
    }
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private enqueue(request: FaceWorkerRequest, label: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The face analyzer has been closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, label, crashes: 0, resolve, reject });
      // A pool that gave up after failed starts tries again for new work.
      while (this.workers.length < Math.max(1, this.size)) void this.spawn().catch(() => undefined);
      this.dispatch();
    });
  }

  private spawn(): Promise<{ loadMs: number; triangles: number[] }> {
    const worker = new Worker(join(__dirname, 'face-analysis.worker.js'));
    worker.unref();
    let markReady!: (info: { loadMs: number; triangles: number[] }) => void;
    let markFailed!: (error: Error) => void;
    const loaded = new Promise<{ loadMs: number; triangles: number[] }>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    const entry: PoolWorker = { worker, ready: false, busy: null, gone: false };
    this.workers.push(entry);

    worker.on('message', (message: FaceWorkerResponse) => {
      if (entry.gone) return;
      switch (message.kind) {
        case 'ready':
          entry.ready = true;
          this.startFailures = 0;
          markReady(message);
          this.dispatch();
          return;
        case 'fatal':
          this.lose(entry, new Error(message.error), markFailed);
          return;
        case 'result':
        case 'task-result':
        case 'error': {
          const job = entry.busy;
          entry.busy = null;
          worker.unref();
          if (job && job.request.id === message.id) {
            if (message.kind === 'result') job.resolve(message.faces);
            else if (message.kind === 'task-result') job.resolve(message.output);
            else job.reject(new Error(`${job.label} failed: ${message.error}`));
          }
          this.dispatch();
          return;
        }
      }
    });
    worker.on('error', (error) =>
      this.lose(entry, new Error(`Face analysis worker crashed: ${error.message}`), markFailed),
    );
    worker.on('exit', (code) =>
      this.lose(entry, new Error(`Face analysis worker exited unexpectedly (code ${code})`), markFailed),
    );
    return loaded;
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (this.queue.length === 0) return;
      if (entry.busy || !entry.ready || entry.gone) continue;
      const job = this.queue.shift()!;
      entry.busy = job;
      entry.worker.ref();
      entry.worker.postMessage(job.request);
    }
  }

  /**
   * A worker crashed, exited or could not load its models: it is dropped and replaced. The job it held
   * runs again on another worker, unless it already took a worker down before (then it fails, naming
   * the cause). Workers that keep failing to start fail the queued jobs instead of looping.
   */
  private lose(entry: PoolWorker, error: Error, markFailed: (error: Error) => void): void {
    if (this.closed || entry.gone) return;
    entry.gone = true;
    void entry.worker.terminate();
    this.workers.splice(this.workers.indexOf(entry), 1);
    markFailed(error);
    const job = entry.busy;
    entry.busy = null;
    if (job && ++job.crashes >= MAX_CRASHES) {
      job.reject(new Error(`${job.label} failed: ${error.message} (twice, on two workers)`));
    } else if (job) {
      this.queue.unshift(job);
    }
    if (!entry.ready && ++this.startFailures >= MAX_START_FAILURES) {
      // The models cannot load here: what waits fails now; new work tries again (see `enqueue`).
      for (const queued of this.queue.splice(0)) queued.reject(error);
      return;
    }
    this.replaced++;
    void this.spawn().catch(() => undefined);
  }
}
