import { Injectable } from '@nestjs/common';
import { final } from '../tool';
import { Tool } from '../tool.decorator';
import { dataUri } from '../hosted/hosted-input';
import { FAL_PRESETS, mappedInput, type InputMapping } from '../hosted/input-mapping';
import { GatewayTool } from '../hosted/gateway-tool';
import type { HostedCall, ServiceAnswer } from '../hosted/hosted-tool';
import type { GatewayToolConfig } from '../config/swapbench-config.schema';
import { falFailure, falFetch } from './fal-errors';

export const FAL_DEFAULT_QUEUE_URL = 'https://queue.fal.run';

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
export class FalTool extends GatewayTool {
  constructor(config: GatewayToolConfig | null) {
    super(config, {
      id: 'fal',
      name: 'fal',
      service: 'fal',
      modelNoun: 'endpoint',
      defaultModel: 'fal-ai/nano-banana/edit',
      modelTakes: 'Endpoint id',
      presets: FAL_PRESETS,
      configSection: 'fal',
      keyEnv: ['FAL_KEY'],
      errorTable: falFailure,
      baseUrlEnv: 'FAL_QUEUE_URL',
      defaultBaseUrl: FAL_DEFAULT_QUEUE_URL,
    });
  }

  protected async sendMapped(call: HostedCall, mapping: InputMapping): Promise<ServiceAnswer> {
    const { model, signal } = call;
    // Loaded on first use, so that commands which never call fal do not load its SDK.
    const { createFalClient } = await import('@fal-ai/client');
    const fal = createFalClient({
      credentials: call.key,
      fetch: falFetch((url) =>
        url.startsWith(FAL_DEFAULT_QUEUE_URL) ? call.baseUrl + url.slice(FAL_DEFAULT_QUEUE_URL.length) : url,
      ),
      retry: { maxRetries: 0 },
    });
    const queued = await fal.queue.submit(model, {
      input: mappedInput(mapping, call.prompt, call.images.map(dataUri)),
      abortSignal: signal,
    });
    const requestId = queued.request_id;
    if (typeof requestId !== 'string')
      return { failure: final('bad_output', 'fal answered without a request_id.') };
    return {
      meta: { requestId },
      job: {
        cancel: (cancelSignal) => fal.queue.cancel(model, { requestId, abortSignal: cancelSignal }),
        look: async () => {
          const status = await fal.queue.status(model, { requestId, logs: false, abortSignal: signal });
          if (status.status !== 'COMPLETED') return { state: 'running' };
          const output = (await fal.queue.result(model, { requestId, abortSignal: signal }))
            .data as FalImageOutput;
          if (output?.has_nsfw_concepts?.some(Boolean))
            return {
              state: 'failed',
              failure: final('safety', `Refused by fal's safety checker: the result was flagged as NSFW.`),
            };
          const url = output?.images?.[0]?.url;
          if (typeof url !== 'string')
            return { state: 'failed', failure: final('bad_output', "fal's result has no images[0].url.") };
          return { state: 'done', value: { url, meta: { modelText: output.description || undefined } } };
        },
      },
    };
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
