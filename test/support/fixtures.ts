import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { settingsFor } from './temp-data';
import { testDatabase } from './test-database';

/** Temp data folders for one test file, and the settings that point at them. */
export interface TempData {
  root: string;
  datasets: string;
  runs: string;
  /** The test's Postgres database, when the specs run on Postgres (see `testDatabase`). */
  databaseUrl?: string;
  /** For `startServer` and `SettingsModule.forRoot`; a child `swapbench` gets the folders through `cliEnv`. */
  settings: SwapbenchSettings;
  /** Removes the folders. */
  cleanup(): void;
}

export function makeTempData(prefix: string): TempData {
  const root = mkdtempSync(join(tmpdir(), `swapbench-${prefix}-`));
  const datasets = join(root, 'datasets');
  const runs = join(root, 'runs');
  mkdirSync(datasets, { recursive: true });
  const database = testDatabase(prefix);
  const settings = settingsFor({ datasets, runs, databaseUrl: database?.url });
  const cleanup = () => {
    database?.drop();
    rmSync(root, { recursive: true, force: true });
  };
  return { root, datasets, runs, databaseUrl: database?.url, settings, cleanup };
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

/** The demo case the face cases are copied from: one person, a face the scorer finds at its slot. */
const FACE_CASE_SOURCE = 'demo_solo_hopper';
let faceCaseSource: Promise<string> | null = null;

/** Builds the demo cases once per process, offline, into a temp folder of their own. */
function demoCasesFolder(): Promise<string> {
  faceCaseSource ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'swapbench-face-cases-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'datasets');
    await new DemoCasesService(settingsFor({ datasets: dir, runs: join(root, 'runs') })).generate();
    return dir;
  })();
  return faceCaseSource;
}

/**
 * Writes a case the face scorer can score (runs refuse cases it cannot, before any tool is called): a
 * copy of a demo case under its own id and title, with `manifest` changes, so each case has its own
 * content hash and cache key.
 */
export async function writeFaceCase(
  datasets: string,
  id: string,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const source = join(await demoCasesFolder(), FACE_CASE_SOURCE);
  const dir = join(datasets, id);
  cpSync(source, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(dir, 'case.json'),
    JSON.stringify({ ...json, id, title: `Face case ${id}`, ...manifest }, null, 2),
  );
  return dir;
}

/** Writes `count` scorable face cases `fc_01`, `fc_02`, ... (see `writeFaceCase`) and returns their ids. */
export async function writeFaceCases(datasets: string, count: number, prefix = 'fc'): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}_${String(i + 1).padStart(2, '0')}`);
  for (const id of ids) await writeFaceCase(datasets, id);
  return ids;
}
