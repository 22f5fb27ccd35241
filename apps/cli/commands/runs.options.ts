import type { CommandSpec } from '../command-spec';

export const RUNS_DELETE = {
  command: {
    name: 'delete',
    arguments: '<run_id>',
    description:
      'Delete a run: its rows, ratings, images and sidecars (an image another run still uses through the cache stays). ' +
      'Refused while the run is running.',
  },
  options: {},
} as const satisfies CommandSpec;

export const RUNS = {
  command: {
    name: 'runs',
    description:
      'List the stored runs, newest first (the ids `run --resume`, `rescore`, `report`, `export` and `compare` take); ' +
      '`runs delete <id>` deletes one.',
  },
  options: {
    json: {
      flags: '--json',
      description: 'print a JSON array of runs (id, status, created_at, progress, ...)',
    },
  },
  subCommands: [RUNS_DELETE],
} as const satisfies CommandSpec;
