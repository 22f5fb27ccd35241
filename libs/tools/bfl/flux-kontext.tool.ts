import { Injectable } from '@nestjs/common';
import { final } from '../tool';
import { Tool } from '../tool.decorator';
import { SEED_OPTION } from '../hosted/hosted-input';
import {
  HostedTool,
  JOB_OPTIONS,
  type HostedCall,
  type ResultUrl,
  type ServiceAnswer,
} from '../hosted/hosted-tool';
import type { PollStep } from '../hosted/job-polling';
import { BFL_DEFAULT_BASE_URL, BflClient, type BflRequest, type BflStatus } from './bfl.client';

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
export class FluxKontextTool extends HostedTool {
  constructor() {
    super({
      id: 'flux_kontext',
      name: 'FLUX Kontext (BFL)',
      description:
        'Black Forest Labs FLUX.1 Kontext / FLUX.2 edit with the template and avatars as input images.',
      service: 'Black Forest Labs',
      keyEnv: ['BFL_API_KEY'],
      baseUrlEnv: 'BFL_BASE_URL',
      defaultBaseUrl: BFL_DEFAULT_BASE_URL,
      options: {
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
        seed: SEED_OPTION,
        ...JOB_OPTIONS,
      },
    });
  }

  protected maxInputImages(model: string): number | undefined {
    return BFL_MAX_INPUT_IMAGES[model];
  }

  protected async send(call: HostedCall): Promise<ServiceAnswer> {
    const client = new BflClient(call.baseUrl, call.key, call.service);
    const seed = Number(call.options.seed);
    const body: BflRequest = {
      prompt: call.prompt,
      output_format: 'png',
      safety_tolerance: Number(call.options.safety_tolerance),
      ...(seed >= 0 ? { seed } : {}),
    };
    call.images.forEach(
      (image, i) => (body[i === 0 ? 'input_image' : `input_image_${i + 1}`] = image.data.toString('base64')),
    );
    const submitted = await client.submit(call.model, body, call.signal);
    if (!submitted.ok) return submitted;
    const job = submitted.value;
    if (typeof job?.id !== 'string')
      return { failure: final('bad_output', 'Black Forest Labs answered without a job id.') };
    const reported = typeof job.cost === 'number' && Number.isFinite(job.cost) ? job.cost / 100 : undefined;
    return {
      meta: {
        jobId: job.id,
        ...(reported !== undefined
          ? { costUsd: reported, costSource: 'reported' }
          : { costSource: 'price table' }),
      },
      // BFL documents no cancel endpoint: an abort stops polling, and the job ends on its own.
      job: {
        look: async () => {
          const status = await client.status(job, call.signal);
          return status.ok ? stepOf(status.value) : { state: 'failed', failure: status.failure };
        },
      },
    };
  }
}

/** One `get_result` answer as a poll step. */
function stepOf(status: BflStatus): PollStep<ResultUrl> {
  const details = status.details ? `: ${JSON.stringify(status.details).slice(0, 300)}` : '';
  switch (status.status) {
    case 'Ready': {
      const url = status.result?.sample;
      return typeof url === 'string'
        ? { state: 'done', value: { url } }
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
