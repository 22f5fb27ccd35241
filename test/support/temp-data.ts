import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseSettings,
  type SettingsEnv,
  type SwapbenchSettings,
} from '../../libs/core/config/swapbench-settings';
import { testDatabase } from './test-database';

/**
 * A fresh temp folder with `datasets` and `runs` inside, and the settings that point at them (what a
 * test hands to `startServer` or `SettingsModule.forRoot`); `dispose` removes it. The environment is
 * left alone, so test files can run side by side.
 */
export function useTempData(label: string): {
  root: string;
  datasets: string;
  runs: string;
  databaseUrl?: string;
  settings: SwapbenchSettings;
  dispose: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), `swapbench-${label}-`));
  const datasets = join(root, 'datasets');
  const runs = join(root, 'runs');
  const database = testDatabase(label);
  const settings = settingsFor({ datasets, runs, databaseUrl: database?.url });
  const dispose = () => {
    database?.drop();
    rmSync(root, { recursive: true, force: true });
  };
  return { root, datasets, runs, databaseUrl: database?.url, settings, dispose };
}

/**
 * Settings for a test: its data folders (and its Postgres database, see `testDatabase`), and any other
 * variable as the environment would give it (`SWAPBENCH_CONFIG`). Nothing is read from this process's
 * environment.
 */
export function settingsFor(
  data: { datasets: string; runs: string; databaseUrl?: string },
  env: Omit<SettingsEnv, 'SWAPBENCH_DATASETS' | 'SWAPBENCH_RUNS'> = {},
): SwapbenchSettings {
  return parseSettings({
    ...env,
    SWAPBENCH_DATASETS: data.datasets,
    SWAPBENCH_RUNS: data.runs,
    ...(data.databaseUrl ? { SWAPBENCH_DATABASE_URL: data.databaseUrl } : {}),
  });
}
