import { resolve } from 'node:path';

/** Where swapbench keeps its data: datasets (test cases) and runs (images, sidecars, the database). */
export interface DataPaths {
  /** Folder of test cases, one sub-folder per case. `SWAPBENCH_DATASETS`, default `./datasets`. */
  datasets: string;
  /** Folder of run outputs and `swapbench.db`. `SWAPBENCH_RUNS`, default `./runs`. */
  runs: string;
  /** The SQLite database file inside the runs folder. */
  database: string;
}

/** Reads the data folders from the environment, resolved against the working directory. */
export function dataPaths(env: NodeJS.ProcessEnv = process.env): DataPaths {
  const datasets = resolve(env.SWAPBENCH_DATASETS || 'datasets');
  const runs = resolve(env.SWAPBENCH_RUNS || 'runs');
  return { datasets, runs, database: resolve(runs, 'swapbench.db') };
}
