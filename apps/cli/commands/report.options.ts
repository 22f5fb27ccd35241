import type { CommandSpec } from '../command-spec';

export const REPORT = {
  command: {
    name: 'report',
    arguments: '<run_id>',
    description:
      'Write the self-contained HTML report of a run (opens from disk with no network); with --baseline, ' +
      'add its comparison with an earlier run.',
  },
  options: {
    out: { flags: '--out <file>', description: 'where to write the report (default report_<run_id>.html)' },
    baseline: {
      flags: '--baseline <run_id>',
      description: 'compare with this earlier run (paired, per variant)',
    },
  },
} as const satisfies CommandSpec;
