import type { Command } from 'commander';
import { CommandRunner } from 'nest-commander';

/**
 * Base of every swapbench command. Commander's sub-commands do not inherit the top-level error handler,
 * so each one exits here: 0 after `--help`, 2 after a usage error (commander has printed the message),
 * never commander's default 1, which means "the score gate was not met".
 */
export abstract class SwapbenchCommand extends CommandRunner {
  override setCommand(command: Command): this {
    command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
    return super.setCommand(command);
  }
}
