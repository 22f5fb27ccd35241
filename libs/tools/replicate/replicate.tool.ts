import { Injectable } from '@nestjs/common';
import type { Prediction } from 'replicate';
import { final } from '../tool';
import { Tool } from '../tool.decorator';
import { mappedInput, REPLICATE_PRESETS, type InputMapping } from '../hosted/input-mapping';
import { GatewayTool } from '../hosted/gateway-tool';
import type { HostedCall, ResultUrl, ServiceAnswer } from '../hosted/hosted-tool';
import type { PollStep } from '../hosted/job-polling';
import type { GatewayToolConfig } from '../config/swapbench-config.schema';
import { replicateFailure, replicateFetch } from './replicate-errors';

export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1';

/**
 * Any image-editing model on Replicate: the template and avatars uploaded through the files API and
 * placed in the model's inputs by an input mapping (built-in presets for well-known models, or the
 * config entry's own), a prediction created with `Prefer: wait`, polled while it runs, canceled at
 * the service when the item is, and its output URL downloaded.
 */
export class ReplicateTool extends GatewayTool {
  constructor(config: GatewayToolConfig | null) {
    super(config, {
      id: 'replicate',
      name: 'Replicate',
      service: 'Replicate',
      modelNoun: 'model',
      defaultModel: 'google/nano-banana',
      modelTakes: 'owner/name[:version] of a model',
      presets: REPLICATE_PRESETS,
      configSection: 'replicate',
      keyEnv: ['REPLICATE_API_TOKEN'],
      errorTable: replicateFailure,
      baseUrlEnv: 'REPLICATE_BASE_URL',
      defaultBaseUrl: REPLICATE_DEFAULT_BASE_URL,
      options: {
        wait_s: {
          type: 'number',
          default: 60,
          description:
            'Seconds the create request may wait for the result (`Prefer: wait`, 1–60); 0 polls at once.',
          min: 0,
          max: 60,
          integer: true,
        },
      },
    });
  }

  protected async sendMapped(call: HostedCall, mapping: InputMapping): Promise<ServiceAnswer> {
    // Loaded on first use, so that commands which never call Replicate do not load its SDK.
    const { default: Replicate } = await import('replicate');
    const client = new Replicate({
      auth: call.key,
      baseUrl: call.baseUrl,
      useFileOutput: false,
      fileEncodingStrategy: 'upload',
      fetch: replicateFetch,
    });
    const images = call.images.map(
      (image) => new Blob([new Uint8Array(image.data)], { type: image.mimeType }),
    );
    const [name, version] = call.model.split(':');
    const waitS = Number(call.options.wait_s);
    let prediction = await client.predictions.create({
      ...(version ? { version } : { model: name }),
      input: mappedInput(mapping, call.prompt, images),
      ...(waitS > 0 ? { wait: waitS } : {}),
      signal: call.signal,
    });
    if (typeof prediction?.id !== 'string')
      return { failure: final('bad_output', 'Replicate answered without a prediction id.') };
    const id = prediction.id;
    return {
      meta: { predictionId: id },
      job: {
        cancel: (signal) => client.predictions.cancel(id, { signal }),
        // `Prefer: wait` may have brought the finished prediction already.
        look: async () => {
          if (stepOf(prediction).state === 'running')
            prediction = await client.predictions.get(id, { signal: call.signal });
          return stepOf(prediction);
        },
      },
    };
  }
}

/** The built-in `replicate` tool: the model is an option, the mapping a preset. */
@Tool()
@Injectable()
export class ReplicateBuiltinTool extends ReplicateTool {
  constructor() {
    super(null);
  }
}

function stepOf(prediction: Prediction): PollStep<ResultUrl> {
  switch (prediction.status) {
    case 'succeeded': {
      const output: unknown = prediction.output;
      const url: unknown = Array.isArray(output) ? (output as unknown[])[0] : output;
      return typeof url === 'string'
        ? { state: 'done', value: { url, meta: { predictTimeS: prediction.metrics?.predict_time } } }
        : {
            state: 'failed',
            failure: final('bad_output', "Replicate's prediction succeeded without an output URL."),
          };
    }
    case 'starting':
    case 'processing':
      return { state: 'running' };
    case 'failed': {
      const error =
        typeof prediction.error === 'string'
          ? prediction.error
          : JSON.stringify(prediction.error ?? 'no error given');
      return {
        state: 'failed',
        failure: /NSFW|sensitive|safety|flagged/i.test(error)
          ? final('safety', `Refused by the model's safety checker on Replicate: ${error.slice(0, 300)}`)
          : final('job_failed', `Replicate's prediction failed: ${error.slice(0, 300)}`),
      };
    }
    case 'canceled':
    case 'aborted':
      return {
        state: 'failed',
        failure: final('canceled', `Replicate's prediction was ${prediction.status} at the service.`),
      };
    default:
      return {
        state: 'failed',
        failure: final(
          'bad_output',
          `Replicate answered an unknown prediction status "${String(prediction.status)}".`,
        ),
      };
  }
}
