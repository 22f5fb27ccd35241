import type { CommandSpec } from '../command-spec';

export const USERS_ADD = {
  command: {
    name: 'add',
    arguments: '<name>',
    description:
      'Create an account (team mode) and print its one-time invite link: the login page with the code, ' +
      'valid for 7 days. The address is SWAPBENCH_PUBLIC_URL (default http://localhost:<PORT>).',
  },
  options: {
    role: { flags: '--role <role>', description: 'admin or rater' },
    json: { flags: '--json', description: 'print {name, role, invite, url}' },
  },
} as const satisfies CommandSpec;

export const USERS_LIST = {
  command: {
    name: 'list',
    description: 'List the accounts (team mode): role, password set, invite pending.',
  },
  options: {
    json: { flags: '--json', description: 'print a JSON array of accounts' },
  },
} as const satisfies CommandSpec;

export const USERS = {
  command: {
    name: 'users',
    description:
      'Accounts of a team server (docs/team.md): `users add <name> --role admin|rater`, `users list`.',
  },
  options: {},
  subCommands: [USERS_ADD, USERS_LIST],
} as const satisfies CommandSpec;
