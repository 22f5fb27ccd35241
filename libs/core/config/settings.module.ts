import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { SwapbenchSettings } from './swapbench-settings';

/**
 * Provides the process's one `SwapbenchSettings` to every module. The entry point (or a test) parses the
 * settings once and imports `SettingsModule.forRoot(settings)` beside its root module; feature modules
 * inject `SwapbenchSettings` without importing anything.
 */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(settings: SwapbenchSettings): DynamicModule {
    return {
      module: SettingsModule,
      providers: [{ provide: SwapbenchSettings, useValue: settings }],
      exports: [SwapbenchSettings],
    };
  }
}

/**
 * A root module of `root` and the settings, for `NestFactory` and `CommandFactory`. `root` is imported as
 * it is, never made dynamic, so a module that other modules import stays one instance.
 */
export function withSettings(root: Type, settings: SwapbenchSettings): DynamicModule {
  return { module: class SwapbenchRoot {}, imports: [SettingsModule.forRoot(settings), root] };
}
