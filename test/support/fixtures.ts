import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/** Temp data folders for one test file, exported as SWAPBENCH_DATASETS / SWAPBENCH_RUNS. */
export interface TempData {
  root: string;
  datasets: string;
  runs: string;
  /** Removes the folders. */
  cleanup(): void;
}

export function makeTempData(prefix: string, setEnv = true): TempData {
  const root = mkdtempSync(join(tmpdir(), `swapbench-${prefix}-`));
  const datasets = join(root, 'datasets');
  const runs = join(root, 'runs');
  mkdirSync(datasets, { recursive: true });
  if (setEnv) {
    process.env.SWAPBENCH_DATASETS = datasets;
    process.env.SWAPBENCH_RUNS = runs;
  }
  return { root, datasets, runs, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A solid-colour PNG; the colour makes each case's content (and so its cache key) distinct. */
export function solidPng(width: number, height: number, seed: number): Promise<Buffer> {
  const r = (seed * 53) % 256;
  const g = (seed * 97 + 40) % 256;
  const b = (seed * 193 + 80) % 256;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

export interface CaseFiles {
  /** Overrides of case.json fields; `null` removes a field. */
  manifest?: Record<string, unknown>;
  /** Raw case.json text instead of a manifest (for malformed JSON). */
  rawManifest?: string;
  /** Extra or replacement files, relative to the case folder. */
  files?: Record<string, Buffer | string>;
  /** Do not write case.json at all. */
  noManifest?: boolean;
}

/**
 * Writes a small valid case (64×48 template, one 16×16 avatar, slot box inside) into `datasets/<id>`,
 * with whatever changes the test asks for. Returns the case folder.
 */
export async function writeCase(
  datasets: string,
  id: string,
  seed = 1,
  changes: CaseFiles = {},
): Promise<string> {
  const dir = join(datasets, id);
  mkdirSync(join(dir, 'avatars'), { recursive: true });
  writeFileSync(join(dir, 'template.png'), await solidPng(64, 48, seed));
  writeFileSync(join(dir, 'avatars', 'a.png'), await solidPng(16, 16, seed + 1000));
  const manifest: Record<string, unknown> = {
    id,
    title: `Test case ${id}`,
    template: 'template.png',
    slots: [{ id: 'p1', box: [8, 8, 20, 20], avatar: 'avatars/a.png' }],
  };
  for (const [key, value] of Object.entries(changes.manifest ?? {})) {
    if (value === null) delete manifest[key];
    else manifest[key] = value;
  }
  for (const [name, content] of Object.entries(changes.files ?? {})) writeFileSync(join(dir, name), content);
  if (!changes.noManifest)
    writeFileSync(join(dir, 'case.json'), changes.rawManifest ?? JSON.stringify(manifest, null, 2));
  return dir;
}

/** Writes `count` valid cases `tc_01`, `tc_02`, ... and returns their ids. */
export async function writeCases(datasets: string, count: number, prefix = 'tc'): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}_${String(i + 1).padStart(2, '0')}`);
  await Promise.all(ids.map((id, i) => writeCase(datasets, id, i + 1)));
  return ids;
}

/** Every file under `dir` (recursive), as paths relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}
