import type { CommandSpec } from '../command-spec';

export const EXPORT = {
  command: {
    name: 'export',
    arguments: '<run_id>',
    description:
      'Write one row per item of a run as CSV or JSON (run_id, item_id, case_id, tool_id, variant, sample, status, ' +
      'score, stars_mean, stars_n, latency_ms, cost_usd, error, error_code, image_path, then the breakdown), ' +
      'or as JUnit XML for CI (a test suite per variant, a failure per failed item).',
  },
  options: {
    format: {
      flags: '--format <csv|json|junit>',
      description: 'csv (default), json (breakdown nested) or junit (XML for CI)',
    },
    out: { flags: '--out <file>', description: 'write to this file instead of standard output' },
  },
} as const satisfies CommandSpec;
