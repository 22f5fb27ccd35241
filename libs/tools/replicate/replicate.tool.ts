import { Injectable } from '@nestjs/common';
import type { Prediction } from 'replicate';
import type { SwapTool, ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';
import { final, type HostedService } from '../hosted/hosted-failures';
import {
  baseUrlFromEnv,
  DOWNLOAD_TIMEOUT_OPTION,
  keyAvailability,
  keyFromEnv,
  POLL_INTERVAL_OPTION,
  refuseTooManyPeople,
  swapImages,
  swapPrompt,
} from '../hosted/hosted-input';
import { missingKey } from '../missing-key';
import { mappedInput, mappingMaxImages, REPLICATE_PRESETS, type InputMapping } from '../hosted/input-mapping';
import { hostedImagePrice } from '../hosted/hosted-prices';
import { cancelOnAbort, CANCEL_TIMEOUT_MS, pollJob, type PollStep } from '../hosted/job-polling';
import { downloadResultImage } from '../hosted/result-download';
import type { GatewayToolConfig } from '../config/swapbench-config.schema';
import { publicUrl } from '../../core/secret-redaction';
import { replicateFailure, replicateFetch } from './replicate-errors';

const KEY_ENV = ['REPLICATE_API_TOKEN'] as const;
export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1';
const SERVICE = 'Replicate';

/**
 * Any image-editing model on Replicate: the template and avatars uploaded through the files API and
 * placed in the model's inputs by an input mapping (built-in presets for well-known models, or the
 * config entry's own), a prediction created with `Prefer: wait`, polled while it runs, canceled at
 * the service when the item is, and its output URL downloaded.
 */
export class ReplicateTool implements SwapTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind = 'api' as const;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly options: Record<string, ToolOptionSpec>;

  constructor(private readonly config: GatewayToolConfig | null) {
    this.id = config?.id ?? 'replicate';
    this.name = config?.name ?? 'Replicate';
    this.description =
      config?.description ??
      (config
        ? `${config.model} on Replicate.`
        : 'A Replicate image-editing model (option `model`) with the template and avatars as inputs.');
    this.concurrency = config?.concurrency ?? 2;
    this.timeoutMs = config?.timeout_ms ?? 300_000;
    this.options = {
      ...(config
        ? {}
        : {
            model: {
              type: 'string',
              default: 'google/nano-banana',
              description: `owner/name[:version] of a model with a built-in input mapping: ${Object.keys(REPLICATE_PRESETS).join(', ')}. Others go in the config file with their mapping.`,
            } satisfies ToolOptionSpec,
          }),
      wait_s: {
        type: 'number',
        default: 60,
        description:
          'Seconds the create request may wait for the result (`Prefer: wait`, 1–60); 0 polls at once.',
        min: 0,
        max: 60,
        integer: true,
      },
      poll_interval_ms: POLL_INTERVAL_OPTION,
      download_timeout_ms: DOWNLOAD_TIMEOUT_OPTION,
    };
  }

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  /** The service's base URL: REPLICATE_BASE_URL when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv('REPLICATE_BASE_URL', REPLICATE_DEFAULT_BASE_URL);
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(KEY_ENV));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(KEY_ENV);
    if (!found) return missingKey(KEY_ENV);
    const model = this.config?.model ?? String(input.options.model);
    const mapping: InputMapping | undefined = this.config?.input ?? REPLICATE_PRESETS[model.split(':')[0]];
    if (!mapping)
      return {
        ok: false,
        failure: final(
          'bad_request',
          `No input mapping for Replicate model "${model}". Built in: ${Object.keys(REPLICATE_PRESETS).join(', ')}; declare others under "replicate" in the config file with an "input" mapping.`,
        ),
      };
    const refused = refuseTooManyPeople(input, model, mappingMaxImages(mapping));
    if (refused) return refused;
    const baseUrl = this.serviceUrl();
    const service: HostedService = {
      name: SERVICE,
      baseUrl: publicUrl(baseUrl),
      keyEnv: found.env,
      model,
      secrets: [found.key],
    };
    // Loaded on first use, so that commands which never call Replicate do not load its SDK.
    const { default: Replicate } = await import('replicate');
    const client = new Replicate({
      auth: found.key,
      baseUrl,
      useFileOutput: false,
      fileEncodingStrategy: 'upload',
      fetch: replicateFetch,
    });
    const prompt = swapPrompt(input);
    const images = (await swapImages(input)).map(
      (image) => new Blob([new Uint8Array(image.data)], { type: image.mimeType }),
    );
    const [name, version] = model.split(':');
    const waitS = Number(input.options.wait_s);
    const started = performance.now();
    let prediction: Prediction;
    try {
      prediction = await client.predictions.create({
        ...(version ? { version } : { model: name }),
        input: mappedInput(mapping, prompt, images),
        ...(waitS > 0 ? { wait: waitS } : {}),
        signal: input.signal,
      });
    } catch (error) {
      return { ok: false, failure: replicateFailure(error, service, input.signal) };
    }
    if (typeof prediction?.id !== 'string')
      return { ok: false, failure: final('bad_output', 'Replicate answered without a prediction id.') };
    const id = prediction.id;
    const stopCancel = cancelOnAbort(input.signal, () =>
      client.predictions.cancel(id, { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) }),
    );
    try {
      let current = prediction;
      const finished = await pollJob<Prediction>(
        async (): Promise<PollStep<Prediction>> => {
          const step = stepOf(current);
          if (step.state !== 'running') return step;
          try {
            current = await client.predictions.get(id, { signal: input.signal });
          } catch (error) {
            return { state: 'failed', failure: replicateFailure(error, service, input.signal) };
          }
          return stepOf(current);
        },
        { intervalMs: Number(input.options.poll_interval_ms), signal: input.signal, service: SERVICE },
      );
      if (finished.state === 'failed') return { ok: false, failure: finished.failure };
      const output: unknown = finished.value.output;
      const url: unknown = Array.isArray(output) ? (output as unknown[])[0] : output;
      if (typeof url !== 'string')
        return {
          ok: false,
          failure: final('bad_output', "Replicate's prediction succeeded without an output URL."),
        };
      const image = await downloadResultImage(
        url,
        { service: SERVICE, baseUrl, signal: input.signal },
        { timeoutMs: Number(input.options.download_timeout_ms) },
      );
      if (!image.ok) return image;
      return {
        ok: true,
        image: image.png,
        meta: {
          model,
          provider: SERVICE,
          endpoint: service.baseUrl,
          predictionId: id,
          latencyMs: Math.round(performance.now() - started),
          predictTimeS: finished.value.metrics?.predict_time,
          prompt,
          inputImages: images.length,
          costUsd: hostedImagePrice(model),
          width: image.width,
          height: image.height,
        },
      };
    } finally {
      stopCancel();
    }
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

function stepOf(prediction: Prediction): PollStep<Prediction> {
  switch (prediction.status) {
    case 'succeeded':
      return { state: 'done', value: prediction };
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
