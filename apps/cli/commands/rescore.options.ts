import type { CommandSpec } from '../command-spec';

export const RESCORE = {
  command: {
    name: 'rescore',
    arguments: '[run_id]',
    description:
      'Score the stored outputs of a run (or of every run with --all) again with the current scorer. ' +
      'No tool is called and no file is written: only the scores, their breakdown and scorer_version change ' +
      '(an item that failed at scoring but has its image may become scored). Items already at the current ' +
      'scorer version are left alone, so an interrupted rescore finishes with a second call. Prints per tool ' +
      'the items rescored and the mean score before → after, or with --json {runs:[{run_id, rescored, ' +
      'unchanged, failed, items:[{id, case_id, tool_id, old_score, score, scorer_version, error}]}]}.\n' +
      'Exit code 2 for an unknown or running run or bad arguments.',
  },
  options: {
    all: { flags: '--all', description: 'rescore every run that is not running' },
    json: { flags: '--json', description: 'print the result as JSON instead of tables' },
  },
} as const satisfies CommandSpec;
