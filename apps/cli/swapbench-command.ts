import type { Command } from 'commander';
import { CommandRunner } from 'nest-commander';
import { helpFooter } from './help-text';

/**
 * Base of every swapbench command. Commander's sub-commands do not inherit the top-level error handler,
 * so each one exits here: 0 after `--help`, 2 after a usage error (commander has printed the message),
 * never commander's default 1, which means "the score gate was not met".
 */
export abstract class SwapbenchCommand extends CommandRunner {
  override setCommand(command: Command): this {
    command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
    // The parent is known only once the tree is built: name the command when the help is shown.
    command.addHelpText('after', () => helpFooter(fullName(command)));
    return super.setCommand(command);
  }
}

/** `runs delete` for a sub-command, `run` for a command (the program's own name left out). */
function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
