import type { CommandSpec } from '../command-spec';

export const COMPARE = {
  command: {
    name: 'compare',
    arguments: '<run_a> <run_b>',
    description:
      'Compare run b with run a on the cases both scored, per variant: mean difference b − a with a paired ' +
      'bootstrap 95% interval and a permutation p-value, then the per-case differences.',
  },
  options: { json: { flags: '--json', description: 'print {a, b, variants: [...], cases: [...]} as JSON' } },
} as const satisfies CommandSpec;
