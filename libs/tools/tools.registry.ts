import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { UserError } from '../core/user-error';
import { isSlug } from '../core/slug';
import type { SwapTool, ToolAvailability, ToolKind, ToolOptionSpec } from './tool';
import { Tool } from './tool.decorator';

/** A tool as listed by the API and `swapbench tools --json`. Carries no secret, only whether one is set. */
export interface ToolSummary {
  id: string;
  name: string;
  description: string;
  kind: ToolKind;
  control: boolean;
  available: boolean;
  reason: string | null;
  concurrency: number;
  timeout_ms: number;
  options: Record<string, ToolOptionSpec>;
}

/**
 * Every swap tool the process knows: the providers marked `@Tool()`, found at module init, and tools
 * added from the config file through `register`. Ids are unique; a second tool with a taken id is refused.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private readonly tools = new Map<string, SwapTool>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: Tool.KEY })) {
      this.register(wrapper.instance as SwapTool);
    }
  }

  register(tool: SwapTool): void {
    if (!isSlug(tool.id)) throw new Error(`Tool id "${tool.id}" is not a slug (a-z, 0-9, _ or -)`);
    if (this.tools.has(tool.id)) {
      throw new Error(`Two tools share the id "${tool.id}": rename one of them (ids must be unique)`);
    }
    this.tools.set(tool.id, tool);
  }

  all(): SwapTool[] {
    return [...this.tools.values()].sort(
      (a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.id.localeCompare(b.id),
    );
  }

  get(id: string): SwapTool {
    const tool = this.tools.get(id);
    if (!tool) throw new UserError(`Unknown tool "${id}". Known tools: ${this.ids().join(', ')}`, 404);
    return tool;
  }

  ids(): string[] {
    return this.all().map((t) => t.id);
  }

  /** Resolves a selection (`all` or ids); `all` means every available tool. */
  async select(ids: readonly string[] | 'all'): Promise<SwapTool[]> {
    if (ids === 'all') {
      const summaries = await this.summaries();
      return summaries.filter((s) => s.available).map((s) => this.get(s.id));
    }
    if (ids.length === 0) throw new UserError('No tools selected: give at least one tool id, or `all`.');
    const unknown = ids.filter((id) => !this.tools.has(id));
    if (unknown.length > 0) {
      throw new UserError(
        `Unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}. Known tools: ${this.ids().join(', ')}`,
        404,
      );
    }
    return [...new Set(ids)].map((id) => this.get(id));
  }

  async summaries(): Promise<ToolSummary[]> {
    return Promise.all(this.all().map(async (tool) => describeTool(tool, await safeAvailability(tool))));
  }
}

/** A tool in the listing shape, with the given availability. */
export function describeTool(tool: SwapTool, availability: ToolAvailability): ToolSummary {
  return {
    id: tool.id,
    name: tool.name,
    description: tool.description,
    kind: tool.kind,
    control: tool.kind === 'control',
    available: availability.available,
    reason: availability.available ? null : (availability.reason ?? 'unavailable'),
    concurrency: tool.concurrency,
    timeout_ms: tool.timeoutMs,
    options: { ...tool.options },
  };
}

async function safeAvailability(tool: SwapTool): Promise<ToolAvailability> {
  try {
    return await tool.availability();
  } catch (error) {
    return { available: false, reason: `availability check failed: ${(error as Error).message}` };
  }
}

function kindOrder(kind: ToolKind): number {
  return { api: 0, local: 1, control: 2 }[kind];
}
