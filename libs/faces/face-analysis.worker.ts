import { parentPort } from 'node:worker_threads';
import type { Human } from '@vladmandic/human';
import { expressionGeometry } from './face-expression';
import type { AnalyzedFace, FaceBox, FaceWorkerRequest, FaceWorkerResponse } from './face.types';
import { loadHuman } from './human.loader';
import { alignedFaceTensor, fivePoints } from './face-alignment';
import { loadIdentityModel, type IdentityModel } from './identity.model';
import { isTaskModule } from './worker-task';

/**
 * Worker thread: loads Human (detector, mesh) and the identity model once, then handles one message at a
 * time: an image to analyze, or a pixel task (see `WorkerTask`). WASM inference and pixel loops block the
 * thread they run on, which is why they live here and not on the server's event loop.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('face-analysis.worker must run as a worker thread');
  const started = performance.now();
  const [human, identity] = await Promise.all([loadHuman(), loadIdentityModel()]);
  port.postMessage({
    kind: 'ready',
    loadMs: performance.now() - started,
    triangles: human.faceTriangulation,
  } satisfies FaceWorkerResponse);
  // Messages are handled strictly one at a time: the pool never sends a second before the first answers.
  port.on('message', (request: FaceWorkerRequest) => {
    const fail = (error: unknown) =>
      port.postMessage({
        kind: 'error',
        id: request.id,
        error: (error as Error).message ?? String(error),
      } satisfies FaceWorkerResponse);
    switch (request.kind) {
      case 'analyze':
        analyze(human, identity, request).then(
          (faces) => port.postMessage({ kind: 'result', id: request.id, faces } satisfies FaceWorkerResponse),
          fail,
        );
        return;
      case 'task':
        runTask(request).then(
          (output) =>
            port.postMessage(
              { kind: 'task-result', id: request.id, output } satisfies FaceWorkerResponse,
              ownedBuffers(output),
            ),
          fail,
        );
        return;
    }
  });
}

async function runTask(request: Extract<FaceWorkerRequest, { kind: 'task' }>): Promise<unknown> {
  if (!isTaskModule(request.module)) throw new Error(`Refusing to load ${request.module}`);
  // Required by path, like a piscina task file: the module is named in the message. Node caches it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const exported = (require(request.module) as Record<string, unknown>)[request.exportName];
  if (typeof exported !== 'function')
    throw new Error(`${request.module} has no function ${request.exportName}`);
  return await (exported as (input: unknown) => unknown)(request.input);
}

async function analyze(
  human: Human,
  identity: IdentityModel,
  request: Extract<FaceWorkerRequest, { kind: 'analyze' }>,
): Promise<AnalyzedFace[]> {
  // Human types its tfjs handle as `any`; it is tfjs-core, whose types we have.
  const tf = human.tf as typeof import('@tensorflow/tfjs-core');
  const input = tf.tensor3d(request.pixels, [request.height, request.width, 3], 'int32');
  try {
    const result = await human.detect(input);
    const faces: AnalyzedFace[] = [];
    for (const face of result.face) {
      if (face.mesh.length < 468) continue;
      const mesh = face.mesh.map(([x, y, z]): [number, number, number] => [x, y, z ?? 0]);
      const aligned = alignedFaceTensor(request.pixels, request.width, request.height, fivePoints(mesh));
      faces.push({
        box: meshBox(mesh),
        detectorBox: face.box.map((v) => Math.round(v * 10) / 10) as FaceBox,
        score: face.score,
        mesh,
        embedding: await identity.embed(aligned),
        pose: {
          yaw: face.rotation?.angle.yaw ?? 0,
          pitch: face.rotation?.angle.pitch ?? 0,
          roll: face.rotation?.angle.roll ?? 0,
        },
        expression: expressionGeometry(mesh),
      });
    }
    return faces;
  } finally {
    input.dispose();
  }
}

/**
 * The large buffers a task's result owns outright, to move to the caller instead of copying: a warped
 * image or mask is megabytes, and nothing in the worker reads it again. Shared memory stays shared, and a
 * view on part of a buffer (a pooled Buffer) is copied, never detached under its other users.
 */
function ownedBuffers(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  collectOwned(value, found, 0);
  return [...found];
}

function collectOwned(value: unknown, found: Set<ArrayBuffer>, depth: number): void {
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (
      buffer instanceof ArrayBuffer &&
      value.byteOffset === 0 &&
      value.byteLength === buffer.byteLength &&
      buffer.byteLength >= MIN_MOVED_BYTES
    )
      found.add(buffer);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const member of Object.values(value)) collectOwned(member, found, depth + 1);
  }
}

/** Below this a copy costs less than the bookkeeping. */
const MIN_MOVED_BYTES = 64 * 1024;

function meshBox(mesh: Array<[number, number, number]>): FaceBox {
  const face = mesh.slice(0, 468);
  const xs = face.map((p) => p[0]);
  const ys = face.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  const round = (v: number) => Math.round(v * 10) / 10;
  return [round(x0), round(y0), round(Math.max(...xs) - x0), round(Math.max(...ys) - y0)];
}

main().catch((error: unknown) => {
  // The pool turns this into a readable error for every waiting caller.
  parentPort?.postMessage({
    kind: 'fatal',
    error: `Face analysis could not start: ${(error as Error).message}`,
  } satisfies FaceWorkerResponse);
});
