import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { CommandTool } from '../command/command.tool';
import { FalTool } from '../fal/fal.tool';
import { OpenAICompatibleTool } from '../openai/openai-compatible.tool';
import { ReplicateTool } from '../replicate/replicate.tool';
import type { SwapTool } from '../tool';
import { recordToolOrigin } from '../tool-fingerprint';
import { ToolPrices } from '../tool-prices';
import { ToolRegistry } from '../tools.registry';
import { loadPluginTools } from './plugin.loader';
import { loadDotEnvFile, loadSwapbenchConfig, type LoadedConfig } from './swapbench-config.loader';

/**
 * Builds every tool the config file declares — `openai_compatible` servers, `command` programs and
 * plugin modules — and registers them in the ToolRegistry at module init, the same registry the
 * built-in `@Tool()` providers go into. Also reads `.env`, so keys are in place before any tool looks.
 */
@Injectable()
export class ConfiguredToolsLoader implements OnModuleInit {
  private readonly logger = new Logger(ConfiguredToolsLoader.name);

  constructor(
    private readonly registry: ToolRegistry,
    private readonly prices: ToolPrices,
    private readonly settings: SwapbenchSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    loadDotEnvFile(this.settings.cwd);
    const loaded = loadSwapbenchConfig(this.settings);
    const tools = await buildConfiguredTools(loaded);
    for (const tool of tools) this.registry.register(tool);
    this.prices.setOverrides(loaded.config.prices, `Config file ${loaded.path ?? ''}`);
    if (loaded.path && tools.length > 0)
      this.logger.log(`${tools.length} tool(s) from ${loaded.path}: ${tools.map((t) => t.id).join(', ')}`);
  }
}

/** The tools a loaded config declares, in file order: OpenAI-compatible servers, commands, gateway models, then plugins. */
export async function buildConfiguredTools({ config, dir }: LoadedConfig): Promise<SwapTool[]> {
  const tools: SwapTool[] = [
    ...config.openai_compatible.map((entry) => {
      const tool = new OpenAICompatibleTool(entry);
      recordToolOrigin(tool, { kind: 'config', entry, cwd: dir });
      return tool;
    }),
    ...config.command.map((entry) => {
      const tool = new CommandTool(entry, dir);
      recordToolOrigin(tool, { kind: 'config', entry, cwd: dir, command: entry.command });
      return tool;
    }),
    ...config.replicate.map((entry) => {
      const tool = new ReplicateTool(entry);
      recordToolOrigin(tool, { kind: 'config', entry, cwd: dir });
      return tool;
    }),
    ...config.fal.map((entry) => {
      const tool = new FalTool(entry);
      recordToolOrigin(tool, { kind: 'config', entry, cwd: dir });
      return tool;
    }),
  ];
  for (const [i, plugin] of config.plugins.entries())
    tools.push(...(await loadPluginTools(plugin, dir, `plugins[${i}]`)));
  return tools;
}
