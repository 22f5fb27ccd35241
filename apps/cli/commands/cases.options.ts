import type { CommandSpec } from '../command-spec';

export const CASES_VALIDATE = {
  command: {
    name: 'validate',
    description:
      'Check every test case of the datasets folder (its case.json and images, and that each slot box ' +
      'sits on a face and each avatar shows one); exit 1 when any has a problem',
  },
  options: { json: { flags: '--json', description: 'print a JSON array (id, valid, error)' } },
} as const satisfies CommandSpec;

export const CASES = {
  command: {
    name: 'cases',
    description:
      'List the test cases of the datasets folder, valid or not (with why); `cases validate` checks them',
  },
  options: {
    json: { flags: '--json', description: 'print a JSON array (id, title, slots, tags, valid, error)' },
  },
  subCommands: [CASES_VALIDATE],
} as const satisfies CommandSpec;
