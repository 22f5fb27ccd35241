import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config, Human } from '@vladmandic/human';

/** URL prefix under which the package's model files are answered from disk; nothing leaves the machine. */
const MODEL_PREFIX = 'http://swapbench-models.invalid/';

/**
 * Loads Human on the tfjs WASM backend with every model read from the npm package itself.
 * Human's `exports` map points Node at its tfjs-node build, which cannot install offline, so the WASM
 * build is required by its subpath; its models load through `fetch`, which we answer from the package's
 * `models/` folder.
 */
export async function loadHuman(): Promise<Human> {
  const humanDist = dirname(require.resolve('@vladmandic/human'));
  const modelsDir = join(humanDist, '..', 'models');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
  serveModelsFrom(modelsDir);
  // Required by file path: the package's `exports` map does not expose the WASM build to Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const { Human: HumanClass } = require(
    join(humanDist, 'human.node-wasm.js'),
  ) as typeof import('@vladmandic/human');
  const human = new HumanClass(humanConfig(wasmDir));
  await human.load();
  // Human types its tfjs handle as `any`; it is tfjs-core.
  await (human.tf as typeof import('@tensorflow/tfjs-core')).ready();
  return human;
}

function humanConfig(wasmPath: string): Partial<Config> {
  // Every skip/cache knob is off: Human is built for video and would otherwise reuse earlier frames'
  // results, which makes analysis depend on what was analyzed before.
  const fresh = { skipFrames: 0, skipTime: 0 };
  return {
    backend: 'wasm',
    wasmPath,
    wasmPlatformFetch: false,
    modelBasePath: MODEL_PREFIX,
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        ...fresh,
        enabled: true,
        rotation: true,
        maxDetected: 20,
        minConfidence: 0.3,
        iouThreshold: 0.1,
        return: false,
      },
      mesh: { enabled: true },
      // The iris model refines the eyes for gaze, which nothing here reads, at a fifth of the analysis.
      iris: { enabled: false },
      // Identity comes from the ONNX model (identity.model.ts): Human's own embedding (faceres) told
      // people apart less well and was most of an analysis's cost.
      description: { enabled: false },
      // Expression is measured on the mesh (see face-expression.ts): the emotion classifier swung by up
      // to 0.4 under mild JPEG.
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

/** Wraps the global `fetch` so that URLs under MODEL_PREFIX are read from `dir`; any other URL is refused. */
function serveModelsFrom(dir: string): void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(MODEL_PREFIX)) {
      if (url.startsWith('file:') || url.startsWith('/')) return original(input, init);
      throw new Error(`Face analysis must not use the network (asked for ${url})`);
    }
    const name = url.slice(MODEL_PREFIX.length);
    if (name.includes('..')) throw new Error(`Bad model path ${name}`);
    const bytes = await readFile(join(dir, name));
    const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return new Response(bytes, { status: 200, headers: { 'content-type': type } });
  };
}
