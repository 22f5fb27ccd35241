import type { CommandSpec } from '../command-spec';

export const TOOLS = {
  command: {
    name: 'tools',
    description: 'List the registered tools and whether each can run here (and why not)',
  },
  options: {
    json: {
      flags: '--json',
      description: 'print a JSON array (id, name, kind, available, reason, options, ...)',
    },
  },
} as const satisfies CommandSpec;
