import type { Slot } from '../cases/test-case';

export type ToolKind = 'api' | 'local' | 'control';

/** One option a tool accepts, with its default. Options are validated against these before a run starts. */
export type ToolOptionSpec =
  | { type: 'string'; default: string; description: string; choices?: readonly string[] }
  | { type: 'number'; default: number; description: string; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean'; default: boolean; description: string };

export type ToolOptionValues = Record<string, string | number | boolean>;

/** An avatar image handed to a tool, in the order of the case's slots. */
export interface ToolAvatar {
  slotId: string;
  /** Absolute path of the avatar file (PNG or JPEG as stored in the case). */
  path: string;
  image: Buffer;
}

/**
 * Everything a tool receives for one run item. The image buffers are shared by the items of one case:
 * read them, never write into them.
 */
export interface ToolInput {
  caseId: string;
  templatePath: string;
  template: Buffer;
  /** One per slot, in slot order. */
  avatars: ToolAvatar[];
  slots: Slot[];
  /** The case's prompt override, if it has one. */
  prompt: string | null;
  /** The tool's options, defaults filled in and validated (a `seed` option moved on by the sample). */
  options: ToolOptionValues;
  /** Which sample of this case × variant the call draws, 0-based (docs/suites.md). */
  sample?: number;
  /** Fires on cancel or timeout; a tool must stop its work and return soon after. */
  signal: AbortSignal;
}

/** What a tool reports beside the image; everything is stored in the item's sidecar. */
export interface ToolOutputMeta {
  model?: string;
  /** Cost of this call in US dollars, when the provider's prices are known. */
  costUsd?: number;
  revisedPrompt?: string;
  [key: string]: unknown;
}

/**
 * Why a tool could not produce an image. `retryable` failures (rate limit, timeout, 5xx, connection)
 * are tried again with backoff; `final` ones (bad request, safety refusal, auth, bad output) end the item.
 */
export interface ToolFailure {
  retryable: boolean;
  /** Short machine-readable reason, e.g. `rate_limited`, `auth`, `safety`, `bad_output`. */
  code: string;
  /** What went wrong, for a person. Never contains a secret. */
  message: string;
  /** The provider's hint of when to try again, in milliseconds. */
  retryAfterMs?: number;
}

export type ToolResult =
  { ok: true; image: Buffer; meta: ToolOutputMeta } | { ok: false; failure: ToolFailure };

/** What one item of a tool is expected to take before it runs (`run --dry-run`, budgets). */
export interface ItemEstimate {
  /** Requests to the service for one item's image, retries not counted. */
  calls: number;
  /** Its price in US dollars from the tool's price table; null when unknown. */
  costUsd: number | null;
}

export interface ToolAvailability {
  available: boolean;
  /** Why the tool cannot run, e.g. `OPENAI_API_KEY is not set`. */
  reason?: string;
}

/**
 * An image-generation tool that swaps the people of a template photo for avatars. Built-in tools are
 * Nest providers marked with `@Tool()`; tools from the config file implement the same interface.
 */
export interface SwapTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind: ToolKind;
  /** How many items of this tool may be generating at once, unless the run says otherwise. */
  readonly concurrency: number;
  /** Per-item time limit in milliseconds, unless the run says otherwise. */
  readonly timeoutMs: number;
  readonly options: Readonly<Record<string, ToolOptionSpec>>;
  availability(): Promise<ToolAvailability>;
  generate(input: ToolInput): Promise<ToolResult>;
  /**
   * The calls and price of one item with these options, from the tool's price table. Optional: a tool
   * without it is free when local or a control, and of unknown price when it calls an API (config
   * `prices` can name one).
   */
  estimate?(options: ToolOptionValues): ItemEstimate;
  /**
   * What else defines this tool's outputs, for the cache key (docs/suites.md): for example the base URL it
   * calls. Never a secret. Optional; config entries and plugin versions are fingerprinted without it.
   */
  fingerprint?(): string;
}

/** A final failure: asking again would get the same answer. */
export function final(code: string, message: string): ToolFailure {
  return { retryable: false, code, message };
}

/** A failure worth another try, after the provider's hint when it gave one. */
export function retryable(code: string, message: string, retryAfterMs?: number): ToolFailure {
  return { retryable: true, code, message, retryAfterMs };
}

/** A failure as a tool's result (or any other `ok`-tagged answer, such as an image check). */
export function failed(failure: ToolFailure): { ok: false; failure: ToolFailure } {
  return { ok: false, failure };
}
