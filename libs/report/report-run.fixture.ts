import type { INestApplication, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CasesService } from '../cases/cases.service';
import { SettingsModule } from '../core/config/settings.module';
import { parseSettings, type SwapbenchSettings } from '../core/config/swapbench-settings';
import { packageRoot } from '../core/package-root';
import { SwapEvaluator, type SwapScore } from '../evaluator/swap-evaluator';
import { RatingsModule } from '../ratings/ratings.module';
import { JsonErrorsFilter } from '../web/http/json-errors.filter';
import { RatingsService } from '../ratings/ratings.service';
import { ReportVariantsWarmer } from '../runs/report-variants.warmer';
import { RunItem } from '../runs/run-item.entity';
import { Run } from '../runs/run.entity';
import { RunsService } from '../runs/runs.service';
import { ToolRegistry } from '../tools/tools.registry';
import { ReportModule } from './report.module';

/**
 * Builds a finished run through the real database and RunsService for the report's tests and bench:
 * generated case folders and output images (sharp, no network), then item outcomes written as the
 * runner would leave them — scored, failed, cached — and ratings through RatingsService.
 */
export interface FabricatedRun {
  module: TestingModule;
  /** Initialised, not listening; HTTP tests call `listen(0)`. */
  app: INestApplication;
  runId: string;
  root: string;
  /** The settings the run was made with: its temp datasets and runs folders. */
  settings: SwapbenchSettings;
  toolIds: string[];
  caseIds: string[];
  close(): Promise<void>;
}

export interface FabricateOptions {
  cases: number;
  tools: number;
  /** Output image edge in pixels. */
  size?: number;
  /** Every n-th item fails (0: none). */
  failEvery?: number;
  /** Every n-th item is rated. */
  rateEvery?: number;
  /** Outputs made from the repository's public-domain photos (realistic sizes) instead of drawn shapes. */
  photoOutputs?: boolean;
  /** Put the report's images in the variant cache as the runner does: the cases' at the start, each output's as it is stored. */
  runnerReportImages?: boolean;
  /** Extra modules for the testing module (e.g. the site module for HTTP tests). */
  imports?: Array<Type<unknown>>;
}

/** Deterministic pseudo-random numbers so the fabricated run is the same on every machine. */
function seeded(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t * 1103515245 + 12345) % 2147483648;
    return t / 2147483648;
  };
}

async function picture(width: number, height: number, hue: number, random: () => number): Promise<Buffer> {
  const shapes = Array.from({ length: 12 }, () => {
    const x = Math.round(random() * width);
    const y = Math.round(random() * height);
    const r = Math.round(20 + random() * width * 0.2);
    return `<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${Math.round(hue + random() * 60)},60%,${Math.round(35 + random() * 40)}%)" />`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="hsl(${hue},30%,85%)"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const PHOTOS = ['astronaut.png', 'grace_hopper.jpg', 'camera.png'];

/** A distinct photo-like output: one of the demo source photos, cropped and hue-shifted per item. */
async function photo(n: number, size: number): Promise<Buffer> {
  const file = join(packageRoot(), 'datasets', 'sources', PHOTOS[n % PHOTOS.length]);
  return sharp(file)
    .resize(size, size, { fit: 'cover' })
    .modulate({ hue: (n * 29) % 360 })
    .png()
    .toBuffer();
}

/** The scorer version the fabricated scores carry. */
export const FABRICATED_SCORER_VERSION = '2.0.0';

/** Accepts every case and never scores: the fabricated run's outcomes are written, not evaluated. */
class FabricatedScores extends SwapEvaluator {
  readonly version = FABRICATED_SCORER_VERSION;
  unscorable(): Promise<string[]> {
    return Promise.resolve([]);
  }
  evaluate(): Promise<SwapScore> {
    return Promise.reject(new Error('a fabricated run is not scored'));
  }
}

export async function fabricateRun(options: FabricateOptions): Promise<FabricatedRun> {
  const size = options.size ?? 1024;
  const random = seeded(42);
  const root = await mkdtemp(join(tmpdir(), 'swapbench-report-'));
  const settings = parseSettings({
    SWAPBENCH_DATASETS: join(root, 'datasets'),
    SWAPBENCH_RUNS: join(root, 'runs'),
  });
  const caseIds: string[] = [];
  for (let c = 0; c < options.cases; c++) {
    const id = `case_${String(c + 1).padStart(2, '0')}`;
    const dir = join(root, 'datasets', id);
    await mkdir(join(dir, 'avatars'), { recursive: true });
    const slots = c % 3 === 0 ? 2 : 1;
    await writeFile(join(dir, 'template.png'), await picture(800, 600, (c * 37) % 360, random));
    const manifest = {
      id,
      title: `Generated case ${c + 1}`,
      template: 'template.png',
      slots: Array.from({ length: slots }, (_, s) => ({
        id: `p${s + 1}`,
        box: [100 + s * 350, 120, 220, 260],
        avatar: `avatars/a${s + 1}.png`,
      })),
      tags: ['generated'],
    };
    for (let s = 0; s < slots; s++)
      await writeFile(
        join(dir, 'avatars', `a${s + 1}.png`),
        await picture(256, 256, (c * 53 + s * 90) % 360, random),
      );
    await writeFile(join(dir, 'case.json'), JSON.stringify(manifest, null, 2));
    caseIds.push(id);
  }

  const module = await Test.createTestingModule({
    imports: [SettingsModule.forRoot(settings), ReportModule, RatingsModule, ...(options.imports ?? [])],
  })
    // The outcomes are written below, not scored; these drawn cases have no faces for the real scorer.
    .overrideProvider(SwapEvaluator)
    .useValue(new FabricatedScores())
    .setLogger(false as never)
    .compile();
  // One application over the module, initialised once: module init hooks (the tool registry's) must run once.
  const app = module.createNestApplication({ logger: false });
  app.useGlobalFilters(new JsonErrorsFilter());
  await app.init();
  const registry = module.get(ToolRegistry);
  const toolIds = registry.ids().slice(0, options.tools);
  if (toolIds.length < options.tools) throw new Error(`only ${toolIds.length} tools are registered`);
  const { run } = await module
    .get(RunsService)
    .create({ case_ids: caseIds, tool_ids: toolIds, options: { cache: true } });
  const source = module.get(DataSource);
  const items = await source
    .getRepository(RunItem)
    .find({ where: { runId: run.id }, order: { position: 'ASC' } });
  const ratings = module.get(RatingsService);
  const warmer = new ReportVariantsWarmer(settings.runs);
  const warming: Array<Promise<void>> = [];
  if (options.runnerReportImages) {
    const { cases } = await module.get(CasesService).list();
    warming.push(...cases.map((c) => warmer.warmCase(c)));
  }
  for (const [n, item] of items.entries()) {
    const failed = options.failEvery ? n % options.failEvery === options.failEvery - 1 : false;
    const patch: QueryDeepPartialEntity<RunItem> = {
      attempts: 1,
      startedAt: run.createdAt,
      finishedAt: new Date().toISOString(),
    };
    if (failed) {
      Object.assign(patch, {
        status: 'failed',
        error: `rate_limited: gave up after 3 attempts (item ${item.id})`,
      });
    } else {
      const imagePath = `${run.day}/${item.toolId}/${item.caseId}.png`;
      await mkdir(join(root, 'runs', run.day, item.toolId), { recursive: true });
      const output = options.photoOutputs
        ? await photo(n, size)
        : await picture(size, size, (n * 29) % 360, random);
      await writeFile(join(root, 'runs', imagePath), output);
      if (options.runnerReportImages) warming.push(warmer.warm(join(root, 'runs', imagePath)));
      const identity = Math.round(random() * 1000) / 1000;
      Object.assign(patch, {
        status: 'scored',
        imagePath,
        cached: n % 7 === 3,
        score: Math.round((20 + identity * 75) * 10) / 10,
        scorerVersion: FABRICATED_SCORER_VERSION,
        breakdown: { identity, placement: 1, pose: Math.round(random() * 100) / 100, background: 0.9 },
        latencyMs: Math.round(500 + random() * 4000),
        costUsd: item.toolId.startsWith('baseline') ? 0.042 : 0,
      });
    }
    await source.getRepository(RunItem).update({ id: item.id }, patch);
    if (!failed && options.rateEvery && n % options.rateEvery === 0) await ratings.rate(item.id, 1 + (n % 5));
  }
  await Promise.all(warming);
  await source
    .getRepository(Run)
    .update({ id: run.id }, { status: 'finished', finishedAt: new Date(Date.now() + 60_000).toISOString() });
  return { module, app, runId: run.id, root, settings, toolIds, caseIds, close: () => app.close() };
}
