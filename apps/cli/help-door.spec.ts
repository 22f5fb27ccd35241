import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Type } from '@nestjs/common';
import { CliModule } from './cli.module';
import type { CommandSpec, OptionSpec } from './command-spec';
import { COMMANDS, isHelpRequest } from './help-door';

// The help door prints the help from the commands' definitions; the CLI's tree is built by nest-commander
// from the decorators of the command classes. Both must describe the same commands and options.

const COMMAND_META = 'CommandBuilder:Command:Meta';
const SUB_COMMAND_META = 'CommandBuilder:Subcommand:Meta';
const OPTION_META = 'CommandBuilder:Option:Meta';

interface CommandMeta {
  name: string;
  description: string;
  arguments?: string;
  subCommands?: Type[];
}

/** A command class as the user sees it, read from its decorators as nest-commander reads them. */
function fromDecorators(cls: Type, meta: CommandMeta): CommandSpec {
  const options: Record<string, OptionSpec> = {};
  for (const name of Object.getOwnPropertyNames(cls.prototype as object)) {
    const method = (cls.prototype as Record<string, unknown>)[name];
    const option =
      typeof method === 'function'
        ? (Reflect.getMetadata(OPTION_META, method) as OptionSpec | undefined)
        : undefined;
    if (option) options[option.flags] = { flags: option.flags, description: option.description };
  }
  const subCommands = (meta.subCommands ?? []).map((sub) =>
    fromDecorators(sub, Reflect.getMetadata(SUB_COMMAND_META, sub) as CommandMeta),
  );
  return {
    command: { name: meta.name, description: meta.description, arguments: meta.arguments },
    options,
    ...(subCommands.length > 0 && { subCommands }),
  };
}

/** A definition in the same shape: options keyed by their flags. */
function normalized(spec: CommandSpec): CommandSpec {
  const options = Object.fromEntries(Object.values(spec.options).map((o) => [o.flags, { ...o }]));
  const subCommands = spec.subCommands?.map(normalized);
  return {
    command: {
      name: spec.command.name,
      description: spec.command.description,
      arguments: spec.command.arguments,
    },
    options,
    ...(subCommands && { subCommands }),
  };
}

describe('the help door', () => {
  it('lists every command of the CLI tree, in its order, with the same descriptions, arguments and options', () => {
    const providers = Reflect.getMetadata('providers', CliModule) as Type[];
    const tree = providers
      .map((cls) => [cls, Reflect.getMetadata(COMMAND_META, cls) as CommandMeta | undefined] as const)
      .filter((entry): entry is readonly [Type, CommandMeta] => entry[1] !== undefined)
      .map(([cls, meta]) => fromDecorators(cls, meta));
    assert.ok(tree.length >= 12, `${tree.length} commands in the tree`);
    assert.deepEqual(COMMANDS.map(normalized), tree);
  });

  it('answers help and version requests, and leaves every other command to the application', () => {
    for (const args of [
      [],
      ['--help'],
      ['-h'],
      ['--version'],
      ['-V'],
      ['help', 'run'],
      ['run', '--help'],
      ['runs', 'delete', '-h'],
    ])
      assert.equal(isHelpRequest(args), true, args.join(' '));
    for (const args of [
      ['run', '--cases', 'all'],
      ['cache'],
      ['serve'],
      ['run', '--', '--help'],
      ['db', 'migrate'],
    ])
      assert.equal(isHelpRequest(args), false, args.join(' '));
  });
});
