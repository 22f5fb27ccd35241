import type { OpenAICompatibleToolConfig } from '../config/swapbench-config.schema';
import { ApiTool } from '../api-tool';
import type {
  ItemEstimate,
  ToolAvailability,
  ToolInput,
  ToolOptionSpec,
  ToolOptionValues,
  ToolResult,
} from '../tool';
import { keyMissingAvailability, missingKey } from '../missing-key';
import { imageEditEstimate, imageEditOptions } from './baseline-gpt.tool';
import { requestSwapEdit } from './image-edit.request';
import type { OpenAIEndpoint } from './shared/openai-client.factory';
import { publicUrl } from '../../core/secret-redaction';

/**
 * `baseline_gpt`'s request sent to a self-hosted or proxy server that speaks `/v1/images/edits`
 * (vLLM-Omni, SGLang, LiteLLM). One instance per `openai_compatible` entry of the config file, so several
 * servers can be compared side by side under their own ids.
 */
export class OpenAICompatibleTool extends ApiTool {
  constructor(
    private readonly config: OpenAICompatibleToolConfig,
    /** The environment to read the key from at call time (the process's, in production). */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const edit = imageEditOptions(config.model);
    super({
      id: config.id,
      name: config.name,
      description:
        config.description ??
        `Image edit by ${config.model} at ${publicUrl(config.base_url)} (OpenAI-compatible server).`,
      concurrency: config.concurrency,
      timeoutMs: config.timeout_ms,
      // Self-hosted servers often know only `auto`, so neither size nor quality is forced by default.
      options: { ...edit, quality: { ...edit.quality, default: 'auto' } as ToolOptionSpec },
    });
  }

  /** Priced as OpenAI prices the model it names: a server of yours usually costs otherwise (config `prices`). */
  estimate(options: ToolOptionValues): ItemEstimate {
    return imageEditEstimate(options);
  }

  availability(): Promise<ToolAvailability> {
    const envName = this.config.api_key_env;
    if (envName && !this.env[envName]?.trim()) return Promise.resolve(keyMissingAvailability([envName]));
    return Promise.resolve({ available: true });
  }

  generate(input: ToolInput): Promise<ToolResult> {
    const endpoint = this.endpoint();
    if (this.config.api_key_env && !endpoint.apiKey)
      return Promise.resolve(missingKey([this.config.api_key_env]));
    const fidelity = this.config.input_fidelity;
    return requestSwapEdit(
      { endpoint, name: this.name, thirdParty: true, timeoutMs: this.timeoutMs },
      input,
      {
        model: String(input.options.model),
        size: String(input.options.size),
        quality: String(input.options.quality),
        inputFidelity: fidelity === 'none' ? null : fidelity,
      },
    );
  }

  private endpoint(): OpenAIEndpoint {
    const envName = this.config.api_key_env ?? null;
    return {
      apiKey: envName ? this.env[envName]?.trim() || null : null,
      apiKeyEnv: envName,
      baseURL: this.config.base_url.replace(/\/+$/, ''),
    };
  }
}
