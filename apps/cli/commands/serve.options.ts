/**
 * The `serve` command as the user sees it: its description and options. One definition for the two places
 * that need it — the help that nest-commander prints (`ServeCommand`) and the parser of the server door
 * (`serve-door.ts`), which runs `serve` without the CLI's container.
 */
export const SERVE_COMMAND = {
  name: 'serve',
  description:
    'Run the web app and API (default http://127.0.0.1:8000). Another address (--host) needs team mode, where everyone signs in.',
} as const;

/**
 * Whether the arguments ask for the server: `swapbench serve ...`, except its `--help`, which the CLI's
 * command tree prints (with every other command's help, from the same option definitions).
 */
export function isServeRequest(args: string[]): boolean {
  return args[0] === SERVE_COMMAND.name && !args.includes('--help') && !args.includes('-h');
}

export const SERVE_OPTIONS = {
  port: { flags: '--port <n>', description: 'port to listen on (default 8000)' },
  host: {
    flags: '--host <address>',
    description: 'address to listen on (default 127.0.0.1; another address needs team mode, docs/team.md)',
  },
  demo: { flags: '--demo', description: 'create the demo cases first when the datasets folder is empty' },
} as const;

/** What `serve` was given, as commander parses it. */
export interface ServeFlags {
  port?: string;
  host?: string;
  demo?: boolean;
}
