import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { ALIGNED_SIDE } from './face-alignment';

/**
 * A face recognition model: from a face aligned on the ArcFace template (`alignedFaceTensor`) to a unit
 * embedding, compared with the cosine. The score's identity judgement is calibrated on one model's own
 * distributions (docs/score.md), so another model means new calibration and a new scorer version.
 */
export interface IdentityModel {
  /** The unit-length embedding of one aligned face (planar RGB, 3 × 112 × 112, (v − 127.5) / 128). */
  embed(face: Float32Array): Promise<number[]>;
}

/**
 * The identity model in use: `fr_feature.onnx` of the npm package `faceplugin-face-recognition-js`
 * (512-D, ArcFace-class, 112 × 112 aligned faces), run on ONNX Runtime's CPU provider, which ships inside
 * `onnxruntime-node`. Nothing is downloaded: the weights are read from the installed package. One thread
 * per session: the face workers are one per core already.
 */
export async function loadIdentityModel(): Promise<IdentityModel> {
  // Loaded here rather than at the top so that a process that never scores never maps the native library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const path = identityWeightsPath();
  const session: InferenceSession = await ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  return {
    async embed(face) {
      if (face.length !== 3 * ALIGNED_SIDE * ALIGNED_SIDE)
        throw new Error(`An aligned face has ${3 * ALIGNED_SIDE * ALIGNED_SIDE} values, got ${face.length}`);
      const tensor = new ort.Tensor('float32', face, [1, 3, ALIGNED_SIDE, ALIGNED_SIDE]);
      const result = await session.run({ [input]: tensor });
      const values = result[output].data as Float32Array;
      tensor.dispose();
      result[output].dispose();
      return unit(values);
    },
  };
}

/** Where the identity model's weights are on disk (inside the installed npm package). */
function identityWeightsPath(): string {
  return join(
    dirname(require.resolve('faceplugin-face-recognition-js/package.json')),
    'model',
    'fr_feature.onnx',
  );
}

function unit(values: Float32Array): number[] {
  let norm = 0;
  for (const v of values) norm += v * v;
  const k = 1 / (Math.sqrt(norm) || 1);
  return Array.from(values, (v) => v * k);
}
