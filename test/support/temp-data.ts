import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Points SWAPBENCH_DATASETS and SWAPBENCH_RUNS at a fresh temp folder; `dispose` removes it. */
export function useTempData(label: string): {
  root: string;
  datasets: string;
  runs: string;
  dispose: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), `swapbench-${label}-`));
  const datasets = join(root, 'datasets');
  const runs = join(root, 'runs');
  process.env.SWAPBENCH_DATASETS = datasets;
  process.env.SWAPBENCH_RUNS = runs;
  return { root, datasets, runs, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
