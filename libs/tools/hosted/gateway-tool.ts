import { final } from '../tool';
import type { GatewayToolConfig } from '../config/swapbench-config.schema';
import {
  HostedTool,
  JOB_OPTIONS,
  type HostedCall,
  type HostedToolSpec,
  type ServiceAnswer,
} from './hosted-tool';
import { mappingMaxImages, type InputMapping } from './input-mapping';

/** What tells one gateway from another beside its wire: its names, its presets and its own options. */
export interface GatewaySpec extends Omit<HostedToolSpec, 'description' | 'model' | 'options'> {
  /** What the service calls a model in messages: `model` (Replicate), `endpoint` (fal). */
  modelNoun: string;
  /** The `model` option: its default and what it takes, e.g. `Endpoint id`. */
  defaultModel: string;
  modelTakes: string;
  /** Input mappings of well-known models, by model name without a version. */
  presets: Readonly<Record<string, InputMapping>>;
  /** The config file's section for more models of this gateway. */
  configSection: string;
  /** The gateway's own options, between `model` and the job options. */
  options?: HostedToolSpec['options'];
}

/**
 * A gateway that serves many models (Replicate, fal): the built-in tool takes the model as an option and
 * places the request by a preset input mapping; a config entry fixes the model under its own id and may
 * bring its own mapping.
 */
export abstract class GatewayTool extends HostedTool {
  constructor(
    private readonly config: GatewayToolConfig | null,
    private readonly gateway: GatewaySpec,
  ) {
    super({
      ...gateway,
      id: config?.id ?? gateway.id,
      name: config?.name ?? gateway.name,
      description:
        config?.description ??
        (config
          ? `${config.model} on ${gateway.service}.`
          : `A ${gateway.service} image-editing ${gateway.modelNoun} (option \`model\`) with the template and avatars as inputs.`),
      concurrency: config?.concurrency,
      timeoutMs: config?.timeout_ms,
      model: config?.model,
      options: {
        ...(config
          ? {}
          : {
              model: {
                type: 'string',
                default: gateway.defaultModel,
                description: `${gateway.modelTakes} with a built-in input mapping: ${Object.keys(gateway.presets).join(', ')}. Others go in the config file with their mapping.`,
              },
            }),
        ...gateway.options,
        ...JOB_OPTIONS,
      },
    });
  }

  /** Sends the request with the model's inputs placed by `mapping`. */
  protected abstract sendMapped(call: HostedCall, mapping: InputMapping): Promise<ServiceAnswer>;

  /** A model without a mapping is refused with where its mapping goes; nothing is sent. */
  protected send(call: HostedCall): Promise<ServiceAnswer> {
    const mapping = this.mappingOf(call.model);
    if (mapping) return this.sendMapped(call, mapping);
    const { service, modelNoun, presets, configSection } = this.gateway;
    return Promise.resolve({
      failure: final(
        'bad_request',
        `No input mapping for ${service} ${modelNoun} "${call.model}". Built in: ${Object.keys(presets).join(', ')}; declare others under "${configSection}" in the config file with an "input" mapping.`,
      ),
    });
  }

  protected maxInputImages(model: string): number | undefined {
    const mapping = this.mappingOf(model);
    return mapping && mappingMaxImages(mapping);
  }

  /** Where `model`'s inputs take the request: the config entry's mapping, else the model's preset. */
  private mappingOf(model: string): InputMapping | undefined {
    return this.config?.input ?? this.gateway.presets[model.split(':')[0]];
  }
}
