import type { CommandSpec } from '../command-spec';

export const CACHE_CLEAR = {
  command: {
    name: 'clear',
    description:
      'Forget every cached output, so later runs call the tools again (stored runs, images and scores stay).',
  },
  options: {},
} as const satisfies CommandSpec;

export const CACHE = {
  command: {
    name: 'cache',
    description:
      'The output cache: identical inputs (case, tool, options, tool fingerprint, sample) reuse an earlier image.',
  },
  options: {},
  subCommands: [CACHE_CLEAR],
} as const satisfies CommandSpec;
