import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FacesModule } from '../faces/faces.module';
import { ClassicSwapTool } from './builtin/classic-swap.tool';
import { ControlPasteTool } from './builtin/control-paste.tool';
import { ControlTemplateTool } from './builtin/control-template.tool';
import { ConfiguredToolsLoader } from './config/configured-tools.loader';
import { BaselineDalle3Tool } from './openai/baseline-dalle3.tool';
import { BaselineGptTool } from './openai/baseline-gpt.tool';
import { ToolPrices } from './tool-prices';
import { ToolRegistry } from './tools.registry';
import { HOSTED_TOOLS } from './hosted/hosted-tools';

/** Built-in tools register exactly as third-party ones do: as `@Tool()` providers found by the registry. */
export const BUILTIN_TOOLS = [
  ControlTemplateTool,
  ControlPasteTool,
  BaselineGptTool,
  BaselineDalle3Tool,
  ClassicSwapTool,
  ...HOSTED_TOOLS,
];

@Module({
  imports: [DiscoveryModule, FacesModule],
  providers: [ToolRegistry, ToolPrices, ...BUILTIN_TOOLS, ConfiguredToolsLoader],
  exports: [ToolRegistry, ToolPrices],
})
export class ToolsModule {}
