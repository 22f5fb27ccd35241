import { Injectable } from '@nestjs/common';
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
import { hostedImagePrice } from '../hosted/hosted-prices';
import { pollJob, type PollStep } from '../hosted/job-polling';
import { downloadResultImage } from '../hosted/result-download';
import { publicUrl } from '../../core/secret-redaction';
import { BFL_DEFAULT_BASE_URL, BflClient, type BflRequest, type BflStatus } from './bfl.client';

const KEY_ENV = ['BFL_API_KEY'] as const;

/**
 * Input images each model takes: FLUX.1 Kontext reads `input_image` to `input_image_4` (more than one is
 * documented as experimental), FLUX.2 [pro] up to eight. Unknown models are sent everything.
 */
export const BFL_MAX_INPUT_IMAGES: Readonly<Record<string, number>> = {
  'flux-kontext-pro': 4,
  'flux-kontext-max': 4,
  'flux-2-pro': 8,
  'flux-2-max': 8,
  'flux-2-flex': 10,
};

/** Statuses after which a job will not change. */
const MODERATED = new Set(['Request Moderated', 'Content Moderated']);

/**
 * FLUX.1 Kontext and FLUX.2 through the Black Forest Labs API: the template as `input_image` and the
 * avatars as `input_image_2…`, base64, with the swap prompt; submitted, then polled until `Ready`, and
 * the signed result URL downloaded at once (it lives ten minutes).
 */
@Tool()
@Injectable()
export class FluxKontextTool implements SwapTool {
  readonly id = 'flux_kontext';
  readonly name = 'FLUX Kontext (BFL)';
  readonly description =
    'Black Forest Labs FLUX.1 Kontext / FLUX.2 edit with the template and avatars as input images.';
  readonly kind = 'api' as const;
  readonly concurrency = 2;
  readonly timeoutMs = 300_000;
  readonly options = {
    model: {
      type: 'string',
      default: 'flux-kontext-pro',
      description: 'BFL endpoint: flux-kontext-pro, flux-kontext-max, flux-2-pro, flux-2-max, …',
    },
    safety_tolerance: {
      type: 'number',
      default: 2,
      description: 'Moderation strictness, 0 (strictest) to 6 (for input and output images: up to 2).',
      min: 0,
      max: 6,
      integer: true,
    },
    seed: {
      type: 'number',
      default: -1,
      description: 'Seed for a repeatable result; -1 leaves it random.',
      integer: true,
      min: -1,
    },
    poll_interval_ms: POLL_INTERVAL_OPTION,
    download_timeout_ms: DOWNLOAD_TIMEOUT_OPTION,
  } satisfies Record<string, ToolOptionSpec>;

  /** The service it calls is part of what it is: outputs from a proxy or another server are not reused. */
  fingerprint(): string {
    return this.serviceUrl();
  }

  /** The service's base URL: BFL_BASE_URL when set, else the service's own. */
  private serviceUrl(): string {
    return baseUrlFromEnv('BFL_BASE_URL', BFL_DEFAULT_BASE_URL);
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve(keyAvailability(KEY_ENV));
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const found = keyFromEnv(KEY_ENV);
    if (!found) return missingKey(KEY_ENV);
    const model = String(input.options.model);
    const refused = refuseTooManyPeople(input, model, BFL_MAX_INPUT_IMAGES[model]);
    if (refused) return refused;
    const baseUrl = this.serviceUrl();
    const service: HostedService = {
      name: 'Black Forest Labs',
      baseUrl: publicUrl(baseUrl),
      keyEnv: found.env,
      model,
      secrets: [found.key],
    };
    const client = new BflClient(baseUrl, found.key, service);
    const prompt = swapPrompt(input);
    const images = await swapImages(input);
    const body: BflRequest = {
      prompt,
      output_format: 'png',
      safety_tolerance: Number(input.options.safety_tolerance),
      ...(Number(input.options.seed) >= 0 ? { seed: Number(input.options.seed) } : {}),
    };
    images.forEach(
      (image, i) => (body[i === 0 ? 'input_image' : `input_image_${i + 1}`] = image.data.toString('base64')),
    );

    const started = performance.now();
    const submitted = await client.submit(model, body, input.signal);
    if (!submitted.ok) return submitted;
    const job = submitted.value;
    if (typeof job?.id !== 'string')
      return { ok: false, failure: final('bad_output', 'Black Forest Labs answered without a job id.') };
    // BFL documents no cancel endpoint: an abort stops polling, and the job ends on its own.
    const finished = await pollJob<string>(
      async (): Promise<PollStep<string>> => {
        const status = await client.status(job, input.signal);
        return status.ok ? stepOf(status.value) : { state: 'failed', failure: status.failure };
      },
      {
        intervalMs: Number(input.options.poll_interval_ms),
        signal: input.signal,
        service: 'Black Forest Labs',
      },
    );
    if (finished.state === 'failed') return { ok: false, failure: finished.failure };
    const image = await downloadResultImage(
      finished.value,
      { service: 'Black Forest Labs', baseUrl, signal: input.signal },
      { timeoutMs: Number(input.options.download_timeout_ms) },
    );
    if (!image.ok) return image;
    const reported = typeof job.cost === 'number' && Number.isFinite(job.cost) ? job.cost / 100 : undefined;
    return {
      ok: true,
      image: image.png,
      meta: {
        model,
        provider: 'Black Forest Labs',
        endpoint: service.baseUrl,
        jobId: job.id,
        latencyMs: Math.round(performance.now() - started),
        prompt,
        inputImages: images.length,
        costUsd: reported ?? hostedImagePrice(model),
        costSource: reported !== undefined ? 'reported' : 'price table',
        width: image.width,
        height: image.height,
      },
    };
  }
}

/** One `get_result` answer as a poll step. */
function stepOf(status: BflStatus): PollStep<string> {
  const details = status.details ? `: ${JSON.stringify(status.details).slice(0, 300)}` : '';
  switch (status.status) {
    case 'Ready': {
      const sample = status.result?.sample;
      return typeof sample === 'string'
        ? { state: 'done', value: sample }
        : {
            state: 'failed',
            failure: final('bad_output', 'Black Forest Labs said Ready without a result.sample URL.'),
          };
    }
    case 'Pending':
    case 'Queued':
    case 'Processing':
      return { state: 'running' };
    case 'Task not found':
      return {
        state: 'failed',
        failure: final('not_found', 'Black Forest Labs no longer knows the job (Task not found).'),
      };
    default:
      if (MODERATED.has(status.status))
        return {
          state: 'failed',
          failure: final('safety', `Refused by Black Forest Labs' moderation (${status.status})${details}`),
        };
      return {
        state: 'failed',
        failure: {
          retryable: status.status === 'Error',
          code: 'job_failed',
          message: `Black Forest Labs' job ended with ${status.status}${details}`,
        },
      };
  }
}
