import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ControlPasteTool } from './builtin/control-paste.tool';
import { ControlTemplateTool } from './builtin/control-template.tool';
import { ToolRegistry } from './tools.registry';

/** Built-in tools register exactly as third-party ones do: as `@Tool()` providers found by the registry. */
export const BUILTIN_TOOLS = [ControlTemplateTool, ControlPasteTool];

@Module({
  imports: [DiscoveryModule],
  providers: [ToolRegistry, ...BUILTIN_TOOLS],
  exports: [ToolRegistry],
})
export class ToolsModule {}
