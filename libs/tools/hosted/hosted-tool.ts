import { ApiTool, type ApiToolIdentity } from '../api-tool';
import {
  failed,
  type ItemEstimate,
  type ToolAvailability,
  type ToolFailure,
  type ToolInput,
  type ToolOptionSpec,
  type ToolOptionValues,
  type ToolOutputMeta,
  type ToolResult,
} from '../tool';
import { missingKey } from '../missing-key';
import { checkBase64Image, type ImageCheck } from '../openai/shared/image-output.validator';
import { publicUrl } from '../../core/secret-redaction';
import { failureFromNetwork, type HostedService } from './hosted-failures';
import {
  baseUrlFromEnv,
  DOWNLOAD_TIMEOUT_OPTION,
  keyAvailability,
  keyFromEnv,
  POLL_INTERVAL_OPTION,
  refuseTooManyPeople,
  swapImages,
  swapPrompt,
  type InlineImage,
} from './hosted-input';
import { hostedImagePrice } from './hosted-prices';
import { cancelOnAbort, CANCEL_TIMEOUT_MS, pollJob, type PollStep } from './job-polling';
import { downloadResultImage } from './result-download';

/** The service's own reading of what its client threw (status, body, headers), as a typed failure. */
export type ErrorTable = (error: unknown, service: HostedService, signal: AbortSignal) => ToolFailure;

/** Who a hosted tool is and where its service lives: all that tells one hosted tool from another but its wire. */
export interface HostedToolSpec extends ApiToolIdentity<Record<string, ToolOptionSpec>> {
  /** The service's name in messages and in the sidecar's `provider`, e.g. `Gemini`. */
  service: string;
  /** Variables the key may come from; the first one set wins. */
  keyEnv: readonly string[];
  /** The variable that replaces the service's base URL (a proxy, or a fake in tests). */
  baseUrlEnv: string;
  defaultBaseUrl: string;
  /** The model of every call when it is fixed (a config entry); otherwise the `model` option. */
  model?: string;
  /** How the service's SDK errors read; plain `fetch` errors (no answer at all) when absent. */
  errorTable?: ErrorTable;
}

/** One item's request, ready for a wire to send. */
export interface HostedCall {
  model: string;
  /** The key from the environment; it goes into the request only, never into a message. */
  key: string;
  /** The base URL as set (it may carry credentials); messages use `service.baseUrl`. */
  baseUrl: string;
  /** Who is called, for failure messages; its secrets are redacted from them. */
  service: HostedService;
  /** Which avatar replaces which person, as `baseline_gpt` says it. */
  prompt: string;
  /** Image 1 is the template, images 2… are the avatars in slot order. */
  images: InlineImage[];
  options: ToolOptionValues;
  /** The item's cancel or timeout. */
  signal: AbortSignal;
}

/**
 * What a service answered to the request: the image inline (base64), a job to wait for, or a failure
 * read from the answer. `meta` is what only this service reports, for the sidecar.
 */
export type ServiceAnswer =
  | { image: string | undefined; meta?: ToolOutputMeta }
  | { job: HostedJob; meta?: ToolOutputMeta }
  | { failure: ToolFailure };

/** A job the service runs after the request. */
export interface HostedJob {
  /** One look at the job: still running, failed, or done with the URL of its image. */
  look(): Promise<PollStep<ResultUrl>>;
  /** Cancels the job at the service; absent when the service has no cancel call. */
  cancel?(signal: AbortSignal): Promise<unknown>;
}

/** Where a finished job's image waits, and what the finished job reports. */
export interface ResultUrl {
  url: string;
  meta?: ToolOutputMeta;
}

/** The options of a tool whose service answers with a job and a result URL. */
export const JOB_OPTIONS: Record<string, ToolOptionSpec> = {
  poll_interval_ms: POLL_INTERVAL_OPTION,
  download_timeout_ms: DOWNLOAD_TIMEOUT_OPTION,
};

/**
 * A hosted image-editing service as a tool. The base owns the flow every service shares: the key from the
 * environment, the base URL and its override, the refusal of a case with more people than the model takes,
 * the prompt and the input images, the job's polling with backoff and its cancel at the service when the
 * item is canceled, the result download within its limits, thrown errors as typed failures, the price, and
 * the sidecar. A service adds its wire format (`send`), how many images a model takes, and its error table
 * (`errorTable`); see docs/tools.md, "Adding a hosted service".
 */
export abstract class HostedTool extends ApiTool {
  constructor(private readonly spec: HostedToolSpec) {
    super(spec);
  }

  /**
   * Sends the request in the service's wire format and reads its answer. What it throws is read through
   * the spec's `errorTable`.
   */
  protected abstract send(call: HostedCall): Promise<ServiceAnswer>;

  /** How many input images `model` takes (the template counts), or undefined when unknown. */
  protected abstract maxInputImages(model: string): number | undefined;

  /** One request for the image (polls and the download are not counted), at the table's price. */
  estimate(options: ToolOptionValues): ItemEstimate {
    return { calls: 1, costUsd: hostedImagePrice(this.spec.model ?? String(options.model)) ?? null };
  }

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(this.spec.keyEnv));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(this.spec.keyEnv);
    if (!found) return missingKey(this.spec.keyEnv);
    const model = this.spec.model ?? String(input.options.model);
    const refused = refuseTooManyPeople(input, model, this.maxInputImages(model));
    if (refused) return refused;
    const baseUrl = this.serviceUrl();
    const call: HostedCall = {
      model,
      key: found.key,
      baseUrl,
      service: {
        name: this.spec.service,
        baseUrl: publicUrl(baseUrl),
        keyEnv: found.env,
        model,
        secrets: [found.key],
      },
      prompt: swapPrompt(input),
      images: await swapImages(input),
      options: input.options,
      signal: input.signal,
    };
    const started = performance.now();
    const answer = await this.attempt(call, () => this.send(call));
    if ('failure' in answer) return failed(answer.failure);
    const image: ImageCheck & { meta?: ToolOutputMeta } =
      'job' in answer
        ? await this.collect(call, answer.job)
        : await checkBase64Image(answer.image, this.spec.service);
    if (!image.ok) return image;
    return {
      ok: true,
      image: image.png,
      meta: {
        model,
        provider: this.spec.service,
        endpoint: call.service.baseUrl,
        latencyMs: Math.round(performance.now() - started),
        prompt: call.prompt,
        inputImages: call.images.length,
        costUsd: hostedImagePrice(model),
        ...answer.meta,
        ...image.meta,
        width: image.width,
        height: image.height,
      },
    };
  }

  /** The service's base URL: the override variable when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv(this.spec.baseUrlEnv, this.spec.defaultBaseUrl);
  }

  /**
   * Waits for the job (canceling it at the service if the item ends first) and downloads its image
   * within the time limit of the `download_timeout_ms` option.
   */
  private async collect(call: HostedCall, job: HostedJob): Promise<ImageCheck & { meta?: ToolOutputMeta }> {
    const cancel = job.cancel?.bind(job);
    const stopCancel = cancel
      ? cancelOnAbort(call.signal, () => cancel(AbortSignal.timeout(CANCEL_TIMEOUT_MS)))
      : () => undefined;
    try {
      const finished = await pollJob(() => this.attempt(call, () => job.look()), {
        intervalMs: Number(call.options.poll_interval_ms),
        signal: call.signal,
        service: this.spec.service,
      });
      if (finished.state === 'failed') return failed(finished.failure);
      const image = await downloadResultImage(
        finished.value.url,
        { service: this.spec.service, baseUrl: call.baseUrl, signal: call.signal },
        { timeoutMs: Number(call.options.download_timeout_ms) },
      );
      return image.ok ? { ...image, meta: finished.value.meta } : image;
    } finally {
      stopCancel();
    }
  }

  /**
   * Runs one step of the wire, reading what it throws through the service's error table. The failure
   * has the shape both a `ServiceAnswer` and a `PollStep` take.
   */
  private async attempt<T extends object>(
    call: HostedCall,
    step: () => Promise<T>,
  ): Promise<T | { state: 'failed'; failure: ToolFailure }> {
    try {
      return await step();
    } catch (error) {
      const errorTable = this.spec.errorTable ?? failureFromNetwork;
      return { state: 'failed', failure: errorTable(error, call.service, call.signal) };
    }
  }
}
