import { Command } from 'commander';
import { packageVersion } from '../../libs/core/package-root';
import { commandOf, type CommandSpec } from './command-spec';
import { CACHE } from './commands/cache.options';
import { CASES } from './commands/cases.options';
import { COMPARE } from './commands/compare.options';
import { DB_COMMAND, DB_MIGRATE_COMMAND, DB_MIGRATE_OPTIONS } from './commands/db.options';
import { EXPORT } from './commands/export.options';
import { GENERATE_CASES } from './commands/generate-cases.options';
import { REPORT } from './commands/report.options';
import { RESCORE } from './commands/rescore.options';
import { RUN } from './commands/run.options';
import { RUNS } from './commands/runs.options';
import { SERVE_COMMAND, SERVE_OPTIONS } from './commands/serve.options';
import { TOOLS } from './commands/tools.options';
import { USERS } from './commands/users.options';
import { WORKER_COMMAND, WORKER_OPTIONS } from './commands/worker.options';
import { helpFooter } from './help-text';

/**
 * Every command of the CLI's tree, in the order `swapbench --help` lists them: the definitions the command
 * classes' decorators read (a spec checks that the two agree, `help-door.spec.ts`).
 */
export const COMMANDS: readonly CommandSpec[] = [
  GENERATE_CASES,
  CASES,
  TOOLS,
  RUN,
  RUNS,
  EXPORT,
  COMPARE,
  CACHE,
  RESCORE,
  { command: SERVE_COMMAND, options: SERVE_OPTIONS },
  REPORT,
  {
    command: DB_COMMAND,
    options: {},
    subCommands: [{ command: DB_MIGRATE_COMMAND, options: DB_MIGRATE_OPTIONS }],
  },
  { command: WORKER_COMMAND, options: WORKER_OPTIONS },
  USERS,
];

/**
 * Whether the arguments ask only for help or the version: no command at all, `help ...`, or `-h`,
 * `--help`, `-V`, `--version` anywhere before a `--`. Those are answered here, from the commands'
 * definitions, before any module of the application is loaded: no database is opened or created.
 */
export function isHelpRequest(args: string[]): boolean {
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.length === 0 || own[0] === 'help') return true;
  return own.some((arg) => ['-h', '--help', '-V', '--version'].includes(arg));
}

/** Prints the help (or the version) that was asked for, and exits: 0, or 2 for no command or a usage error. */
export function answerHelp(args: string[]): never {
  const program = new Command('swapbench').version(packageVersion());
  for (const spec of COMMANDS) program.addCommand(commandOf(spec));
  program.addHelpText('after', helpFooter(''));
  for (const command of [program, ...allCommands(program)]) {
    command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  }
  if (args.length === 0) program.help({ error: true });
  program.parse(args, { from: 'user' });
  // Only reached for arguments that ask for neither (a `--version` given to a command is unknown there).
  process.exit(2);
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}
