import type { QueueStatus } from '@fal-ai/client';
import { Injectable } from '@nestjs/common';
import type { SwapTool, ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from '../tool';
import { Tool } from '../tool.decorator';
import { final, type HostedService } from '../hosted/hosted-failures';
import {
  baseUrlFromEnv,
  dataUri,
  DOWNLOAD_TIMEOUT_OPTION,
  keyAvailability,
  keyFromEnv,
  POLL_INTERVAL_OPTION,
  refuseTooManyPeople,
  swapImages,
  swapPrompt,
} from '../hosted/hosted-input';
import { missingKey } from '../missing-key';
import { FAL_PRESETS, mappedInput, mappingMaxImages, type InputMapping } from '../hosted/input-mapping';
import { hostedImagePrice } from '../hosted/hosted-prices';
import { cancelOnAbort, CANCEL_TIMEOUT_MS, pollJob, type PollStep } from '../hosted/job-polling';
import { downloadResultImage } from '../hosted/result-download';
import type { GatewayToolConfig } from '../config/swapbench-config.schema';
import { publicUrl } from '../../core/secret-redaction';
import { falFailure, falFetch } from './fal-errors';

const KEY_ENV = ['FAL_KEY'] as const;
export const FAL_DEFAULT_QUEUE_URL = 'https://queue.fal.run';
const SERVICE = 'fal';

/** What fal's image-editing endpoints answer: a list of generated files. */
interface FalImageOutput {
  images?: Array<{ url?: string; content_type?: string; width?: number; height?: number }>;
  has_nsfw_concepts?: boolean[];
  description?: string;
}

/**
 * Any image-editing endpoint on fal through its queue with the official `@fal-ai/client`: the template and
 * avatars as data URIs placed by an input mapping (built-in presets or the config entry's own), submitted,
 * polled (`IN_QUEUE`, `IN_PROGRESS`, `COMPLETED`), canceled at the service when the item is, and the
 * result's image URL downloaded.
 */
export class FalTool implements SwapTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind = 'api' as const;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly options: Record<string, ToolOptionSpec>;

  constructor(private readonly config: GatewayToolConfig | null) {
    this.id = config?.id ?? 'fal';
    this.name = config?.name ?? 'fal';
    this.description =
      config?.description ??
      (config
        ? `${config.model} on fal.`
        : 'A fal image-editing endpoint (option `model`) with the template and avatars as inputs.');
    this.concurrency = config?.concurrency ?? 2;
    this.timeoutMs = config?.timeout_ms ?? 300_000;
    this.options = {
      ...(config
        ? {}
        : {
            model: {
              type: 'string',
              default: 'fal-ai/nano-banana/edit',
              description: `Endpoint id with a built-in input mapping: ${Object.keys(FAL_PRESETS).join(', ')}. Others go in the config file with their mapping.`,
            } satisfies ToolOptionSpec,
          }),
      poll_interval_ms: POLL_INTERVAL_OPTION,
      download_timeout_ms: DOWNLOAD_TIMEOUT_OPTION,
    };
  }

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  /** The service's base URL: FAL_QUEUE_URL when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv('FAL_QUEUE_URL', FAL_DEFAULT_QUEUE_URL);
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(KEY_ENV));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(KEY_ENV);
    if (!found) return missingKey(KEY_ENV);
    const model = this.config?.model ?? String(input.options.model);
    const mapping: InputMapping | undefined = this.config?.input ?? FAL_PRESETS[model];
    if (!mapping)
      return {
        ok: false,
        failure: final(
          'bad_request',
          `No input mapping for fal endpoint "${model}". Built in: ${Object.keys(FAL_PRESETS).join(', ')}; declare others under "fal" in the config file with an "input" mapping.`,
        ),
      };
    const refused = refuseTooManyPeople(input, model, mappingMaxImages(mapping));
    if (refused) return refused;
    const queueUrl = this.serviceUrl();
    const service: HostedService = {
      name: SERVICE,
      baseUrl: publicUrl(queueUrl),
      keyEnv: found.env,
      model,
      secrets: [found.key],
    };
    // Loaded on first use, so that commands which never call fal do not load its SDK.
    const { createFalClient } = await import('@fal-ai/client');
    const fal = createFalClient({
      credentials: found.key,
      fetch: falFetch((url) =>
        url.startsWith(FAL_DEFAULT_QUEUE_URL) ? queueUrl + url.slice(FAL_DEFAULT_QUEUE_URL.length) : url,
      ),
      retry: { maxRetries: 0 },
    });
    const prompt = swapPrompt(input);
    const images = (await swapImages(input)).map(dataUri);
    const started = performance.now();
    let requestId: string;
    try {
      const queued = await fal.queue.submit(model, {
        input: mappedInput(mapping, prompt, images),
        abortSignal: input.signal,
      });
      requestId = queued.request_id;
    } catch (error) {
      return { ok: false, failure: falFailure(error, service, input.signal) };
    }
    if (typeof requestId !== 'string')
      return { ok: false, failure: final('bad_output', 'fal answered without a request_id.') };
    const stopCancel = cancelOnAbort(input.signal, () =>
      fal.queue.cancel(model, { requestId, abortSignal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) }),
    );
    try {
      const finished = await pollJob<true>(
        async (): Promise<PollStep<true>> => {
          let status: QueueStatus;
          try {
            status = await fal.queue.status(model, { requestId, logs: false, abortSignal: input.signal });
          } catch (error) {
            return { state: 'failed', failure: falFailure(error, service, input.signal) };
          }
          return status.status === 'COMPLETED' ? { state: 'done', value: true } : { state: 'running' };
        },
        { intervalMs: Number(input.options.poll_interval_ms), signal: input.signal, service: SERVICE },
      );
      if (finished.state === 'failed') return { ok: false, failure: finished.failure };
      let output: FalImageOutput;
      try {
        output = (await fal.queue.result(model, { requestId, abortSignal: input.signal }))
          .data as FalImageOutput;
      } catch (error) {
        return { ok: false, failure: falFailure(error, service, input.signal) };
      }
      if (output?.has_nsfw_concepts?.some(Boolean))
        return {
          ok: false,
          failure: final('safety', `Refused by fal's safety checker: the result was flagged as NSFW.`),
        };
      const url = output?.images?.[0]?.url;
      if (typeof url !== 'string')
        return { ok: false, failure: final('bad_output', "fal's result has no images[0].url.") };
      const image = await downloadResultImage(
        url,
        { service: SERVICE, baseUrl: queueUrl, signal: input.signal },
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
          requestId,
          latencyMs: Math.round(performance.now() - started),
          prompt,
          inputImages: images.length,
          costUsd: hostedImagePrice(model),
          modelText: output.description || undefined,
          width: image.width,
          height: image.height,
        },
      };
    } finally {
      stopCancel();
    }
  }
}

/** The built-in `fal` tool: the endpoint is an option, the mapping a preset. */
@Tool()
@Injectable()
export class FalBuiltinTool extends FalTool {
  constructor() {
    super(null);
  }
}
