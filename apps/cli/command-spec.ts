import { Command } from 'commander';
import { helpFooter } from './help-text';

/** An option as the user sees it: commander's flags and the line of help. */
export interface OptionSpec {
  flags: string;
  description: string;
}

/**
 * A command as the user sees it: what nest-commander's `@Command` takes, its options and its sub-commands.
 * One definition per command (`commands/<name>.options.ts`), read by the command class's decorators and by
 * the help door (`help-door.ts`), which prints the help without building the application.
 */
export interface CommandSpec {
  command: { name: string; description: string; arguments?: string };
  options: Readonly<Record<string, OptionSpec>>;
  subCommands?: readonly CommandSpec[];
}

/** The commander command of a spec (and its sub-commands), with no action: for its help and usage errors. */
export function commandOf(spec: CommandSpec, parentName = ''): Command {
  const fullName = parentName ? `${parentName} ${spec.command.name}` : spec.command.name;
  const command = new Command(spec.command.name).description(spec.command.description);
  if (spec.command.arguments) command.arguments(spec.command.arguments);
  for (const option of Object.values(spec.options)) command.option(option.flags, option.description);
  for (const sub of spec.subCommands ?? []) command.addCommand(commandOf(sub, fullName));
  // As nest-commander builds it: only the program has a `help [command]` sub-command.
  if (spec.subCommands) command.addHelpCommand(false);
  command.addHelpText('after', helpFooter(fullName));
  return command;
}
