import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
// sharp must be loaded on the main thread before any worker that uses it starts (its shared libraries
// would otherwise be unloaded when a worker exits: lovell/sharp#2263).
import 'sharp';
import type { AnalyzedFace, FaceWorkerRequest, FaceWorkerResponse } from './face.types';
import type { WorkerTask } from './worker-task';

interface Job {
  request: FaceWorkerRequest;
  /** Buffers moved (not copied) to the worker with the request. */
  transfer: ArrayBuffer[];
  /** What the job does, for error messages ("Face analysis", "Worker task measureImage"). */
  label: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  /** Set once the worker has loaded its models. */
  ready: boolean;
  busy: Job | null;
}

/** Facts about the pool's start, for benchmarks and diagnostics. */
export interface PoolStartInfo {
  /** Model load time inside each worker, in milliseconds. */
  loadMs: number[];
  /** Mesh triangulation (vertex index triples over the first 468 mesh points). */
  triangles: number[];
}

/**
 * A fixed set of worker threads, each holding one loaded Human, fed from one FIFO queue with face
 * analyses and pixel tasks alike (one pool sized to the cores for all CPU-heavy scoring). Workers are
 * unreferenced while idle so that they never keep the process alive, and referenced while they work so
 * that an awaited analysis is not cut short by the process exiting.
 */
export class FaceWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private fatal: Error | null = null;
  readonly started: Promise<PoolStartInfo>;

  constructor(size: number) {
    const loads: Array<Promise<{ loadMs: number; triangles: number[] }>> = [];
    for (let i = 0; i < Math.max(1, size); i++) loads.push(this.spawn());
    this.started = Promise.all(loads).then((infos) => ({
      loadMs: infos.map((i) => i.loadMs),
      triangles: infos[0].triangles,
    }));
    // A failed start is reported to each caller through `run`; this only keeps it from being unhandled.
    this.started.catch(() => undefined);
  }

  /** Analyzes one image on the first free worker; `pixels` is moved to the worker (detached here). */
  run(width: number, height: number, pixels: Uint8Array): Promise<AnalyzedFace[]> {
    return this.enqueue(
      { kind: 'analyze', id: this.nextId++, width, height, pixels },
      [pixels.buffer as ArrayBuffer],
      'Face analysis',
    ) as Promise<AnalyzedFace[]>;
  }

  /** Runs a pixel task on the first free worker; the buffers in `transfer` are moved, not copied. */
  runTask<I, O>(task: WorkerTask<I, O>, input: I, transfer: ArrayBuffer[] = []): Promise<O> {
    const { module, exportName } = task;
    return this.enqueue(
      { kind: 'task', id: this.nextId++, module, exportName, input },
      transfer,
      `Worker task ${exportName}`,
    ) as Promise<O>;
  }

  /** Stops every worker; queued and running analyses fail with a readable error. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('The face analyzer was closed while analyzing'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private enqueue(request: FaceWorkerRequest, transfer: ArrayBuffer[], label: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The face analyzer has been closed'));
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, transfer, label, resolve, reject });
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
    const entry: PoolWorker = { worker, ready: false, busy: null };
    this.workers.push(entry);

    worker.on('message', (message: FaceWorkerResponse) => {
      switch (message.kind) {
        case 'ready':
          entry.ready = true;
          markReady(message);
          this.dispatch();
          return;
        case 'fatal':
          this.die(new Error(message.error), markFailed);
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
      this.die(new Error(`Face analysis worker crashed: ${error.message}`), markFailed),
    );
    worker.on('exit', (code) => {
      if (!this.closed)
        this.die(new Error(`Face analysis worker exited unexpectedly (code ${code})`), markFailed);
    });
    return loaded;
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (this.queue.length === 0) return;
      if (entry.busy || !entry.ready) continue;
      const job = this.queue.shift()!;
      entry.busy = job;
      entry.worker.ref();
      entry.worker.postMessage(job.request, job.transfer);
    }
  }

  /** A worker that cannot analyze makes the whole pool unusable: a half-sized pool would hide the fault. */
  private die(error: Error, markFailed: (error: Error) => void): void {
    if (this.closed) return;
    this.fatal ??= error;
    markFailed(error);
    this.failAll(this.fatal);
    for (const w of this.workers) void w.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const w of this.workers) {
      if (w.busy) w.busy.reject(error);
      w.busy = null;
    }
  }
}
