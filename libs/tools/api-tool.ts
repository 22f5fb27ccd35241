import type { SwapTool, ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from './tool';

/** Who a tool that calls an API is: what the registry lists, and how many items it runs at once, how long. */
export interface ApiToolIdentity<Options extends Record<string, ToolOptionSpec>> {
  id: string;
  name: string;
  description: string;
  options: Options;
  /** Items at once; 2 unless a config entry says otherwise. */
  concurrency?: number;
  /** Per-item time limit in ms; 300 s unless a config entry says otherwise. */
  timeoutMs?: number;
}

/** A tool that calls a service's API: the registry's fields from one identity, the call left to the tool. */
export abstract class ApiTool<
  Options extends Record<string, ToolOptionSpec> = Record<string, ToolOptionSpec>,
> implements SwapTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind = 'api' as const;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly options: Options;

  constructor(identity: ApiToolIdentity<Options>) {
    this.id = identity.id;
    this.name = identity.name;
    this.description = identity.description;
    this.concurrency = identity.concurrency ?? 2;
    this.timeoutMs = identity.timeoutMs ?? 300_000;
    this.options = identity.options;
  }

  abstract availability(): Promise<ToolAvailability>;
  abstract generate(input: ToolInput): Promise<ToolResult>;
}
