import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { withSettings } from '../libs/core/config/settings.module';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { packageRoot } from '../libs/core/package-root';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import type { TestCase } from '../libs/cases/test-case';
import { alignToTemplate, measureFactor } from '../libs/evaluator/alignment.task';
import { measureImage } from '../libs/evaluator/image-measures.task';
import { demoFixture, referenceTools, runTool } from '../test/fixtures/evaluator/demo-fixture';
import { redraw } from '../test/fixtures/evaluator/redraws';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { readRgb, shared, shrink } from '../libs/faces/raster';
import type { FaceBox } from '../libs/faces/face.types';
import { RunEventBus } from '../libs/core/event-bus';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunsModule } from '../libs/runs/runs.module';
import { RunsService } from '../libs/runs/runs.service';
import { writeFaceCase, writeFaceCases } from '../test/support/fixtures';
import { settingsFor, useTempData } from '../test/support/temp-data';

/**
 * Does scoring keep up with the tools? (issue "Fast scoring")
 *   (a) 1,000 items of plugin tools that wait 100 ms and return the case's template, concurrency 8,
 *       scoring on (every output is the template, so the face analyses are cached): wall time against
 *       the ideal of 1,000 × 100 ms / 8, and the process's peak RSS. The scorer knows the template's
 *       pixels, so (a') runs it again with the template in new bytes each time (the same pixels, and
 *       faces, each answer decoded): what an output that is not the template costs besides its faces;
 *   (b) fresh one-face 1024-px outputs (the template with a few pixels changed, so nothing is cached)
 *       scored per second by the whole process (until the last is scored; the run then makes the
 *       report images that waited for scoring, and the CPU per item includes them), with the event
 *       loop's delay meanwhile;
 *   (c) CPU per output of the pixel work at 512 and 1024 px: the alignment and the image measures, on
 *       this thread, for an output in place (background untouched) and one a redraw moved and re-graded;
 *   (w) the same as a user runs it: `swapbench run` as its own process, timed from its start to its exit
 *       (start-up, model loads and the report images included) — one item, (a)'s 1,000 items against
 *       their ideal, and (b)'s fresh outputs per second.
 * Each also prints the process's CPU time per item, which other load on the machine barely moves.
 * `npm run bench -- throughput`; `THROUGHPUT_ITEMS` changes the 1,000 of (a), `THROUGHPUT_PARTS=c`
 * runs only the parts named.
 */

const execFileAsync = promisify(execFile);

const TOOLS = 100;
const ITEMS = Number(process.env.THROUGHPUT_ITEMS ?? 1000);
const WAIT_MS = 100;
const CONCURRENCY = 8;
const FRESH_ITEMS = 48;
const PARTS = process.env.THROUGHPUT_PARTS ?? 'abcw';

/**
 * A plugin of `count` tools that wait, then answer with the template itself, the template in new bytes
 * (the same pixels), or the template with a few pixels changed.
 */
function writePlugin(root: string): string {
  const file = join(root, 'bench-tools.js');
  writeFileSync(
    file,
    `const sharp = require(${JSON.stringify(require.resolve('sharp'))});
const { crc32 } = require('node:zlib');
let calls = 0;
const wait = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
});
async function changeFewPixels(template) {
  const { data, info } = await sharp(template).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const n = ++calls;
  for (let k = 0; k < 4; k++) {
    const i = ((n * 7919 + k * 104729) % (info.width * info.height)) * 3;
    data[i] = (data[i] + 128) % 256;
  }
  return sharp(data, { raw: info }).png({ compressionLevel: 1 }).toBuffer();
}
// The same pixels in new bytes: a text chunk with the call's number, before the closing IEND chunk.
function restamped(png) {
  const text = Buffer.from('call\\0' + ++calls, 'latin1');
  const chunk = Buffer.alloc(12 + text.length);
  chunk.writeUInt32BE(text.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  text.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + text.length)), 8 + text.length);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}
const answers = {
  template: async (template) => template,
  restamped: async (template) => restamped(template),
  fresh: changeFewPixels,
};
module.exports = ({ options }) => Array.from({ length: options.count }, (_, k) => ({
  id: options.prefix + '_' + String(k).padStart(3, '0'),
  name: 'Bench tool ' + k,
  description: 'Waits, then answers: ' + options.answer,
  kind: 'control', concurrency: ${CONCURRENCY}, timeoutMs: 120000, options: {},
  availability: async () => ({ available: true }),
  generate: async (input) => {
    await wait(options.waitMs, input.signal);
    const image = await answers[options.answer](input.template);
    return { ok: true, image, meta: { model: 'none' } };
  },
}));
`,
  );
  return file;
}

/** A scorable one-face case with its template scaled so its longer side is `side` px. */
async function writeLargeFaceCase(datasets: string, id: string, side: number): Promise<void> {
  const dir = await writeFaceCase(datasets, id);
  const template = join(dir, 'template.png');
  const meta = await sharp(template).metadata();
  const k = side / Math.max(meta.width, meta.height);
  const bytes = await sharp(template)
    .resize(Math.round(meta.width * k), Math.round(meta.height * k))
    .png()
    .toBuffer();
  writeFileSync(template, bytes);
  const manifest = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as {
    slots: Array<{ box: number[] }>;
  };
  for (const slot of manifest.slots) slot.box = slot.box.map((v) => Math.round(v * k));
  writeFileSync(join(dir, 'case.json'), JSON.stringify(manifest, null, 2));
}

/** The tools of `writePlugin` in a config file, with the cases they run on; returns the config's path. */
async function writeBenchData(
  data: ReturnType<typeof useTempData>,
): Promise<{ config: string; cases: string[] }> {
  const plugin = writePlugin(data.root);
  const config = join(data.root, 'swapbench.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [
        { module: plugin, options: { prefix: 'wait', count: TOOLS, waitMs: WAIT_MS, answer: 'template' } },
        { module: plugin, options: { prefix: 'stamp', count: TOOLS, waitMs: WAIT_MS, answer: 'restamped' } },
        { module: plugin, options: { prefix: 'fresh', count: FRESH_ITEMS, waitMs: 0, answer: 'fresh' } },
      ],
    }),
  );
  const cases = await writeFaceCases(data.datasets, Math.ceil(ITEMS / TOOLS), 'tp');
  await writeLargeFaceCase(data.datasets, 'tp_large', 1024);
  return { config, cases };
}

const toolIds = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, k) => `${prefix}_${String(k).padStart(3, '0')}`);

async function runnerFigures(): Promise<void> {
  const data = useTempData('bench-throughput');
  const { config, cases } = await writeBenchData(data);
  const app = await NestFactory.createApplicationContext(
    withSettings(RunsModule, settingsFor(data, { SWAPBENCH_CONFIG: config })),
    { logger: false },
  );
  try {
    const runs = app.get(RunsService);
    const executor = app.get(RunExecutor);
    const run = async (caseIds: string[], toolIds: string[]) => {
      const { run } = await runs.create({
        case_ids: caseIds,
        tool_ids: toolIds,
        options: { cache: false, concurrency: CONCURRENCY },
      });
      const started = performance.now();
      let lastScored = started;
      const unsubscribe = app.get(RunEventBus).subscribe((event) => {
        if (event.type === 'update' && event.status === 'scored') lastScored = performance.now();
      });
      const cpu = process.cpuUsage();
      await executor.execute(run.id);
      // The run ends once the report images that waited for its scoring are made (low priority).
      const ended = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      unsubscribe();
      const detail = await runs.detail(run.id);
      const scored = detail.items.filter((i) => i.status === 'scored').length;
      const cpuMsPerItem = (used.user + used.system) / 1000 / detail.items.length;
      const seconds = (lastScored - started) / 1000;
      return { seconds, ended, scored, items: detail.items.length, cpuMsPerItem };
    };
    const waitTools = toolIds('wait', TOOLS);
    const stampTools = toolIds('stamp', TOOLS);
    const freshTools = toolIds('fresh', FRESH_ITEMS);

    // Warm up: the workers load their models and the case's analyses are cached.
    await run([cases[0]], waitTools.slice(0, 4));
    await run(['tp_large'], freshTools.slice(0, 4));

    if (PARTS.includes('a')) {
      for (const [label, tools, answer] of [
        ['(a) ', waitTools, 'the template itself'],
        ["(a')", stampTools, 'the same pixels in new bytes, decoded each time'],
      ] as const) {
        let peakRss = 0;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
        const a = await run(cases, tools.slice(0, Math.min(TOOLS, ITEMS)));
        clearInterval(sampler);
        const ideal = (a.items * WAIT_MS) / CONCURRENCY / 1000;
        const ratio = (seconds: number) => `${((100 * ideal) / seconds).toFixed(0)}% of ideal`;
        console.log(
          `${label} ${a.items} items × ${WAIT_MS} ms at concurrency ${CONCURRENCY}, scoring on, cached faces, answering ${answer}: ` +
            `${a.ended.toFixed(1)} s against an ideal of ${ideal.toFixed(1)} s = ${ratio(a.ended)} ` +
            `(${a.scored} scored, the last at ${a.seconds.toFixed(1)} s = ${ratio(a.seconds)}; the run then makes the report images ` +
            `that waited for scoring); CPU ${a.cpuMsPerItem.toFixed(1)} ms per item; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`,
        );
      }
    }
    if (!PARTS.includes('b')) return;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const b = await run(['tp_large'], freshTools);
    loop.disable();
    console.log(
      `(b) fresh one-face 1024-px outputs: ${b.items} in ${b.seconds.toFixed(1)} s = ${(b.scored / b.seconds).toFixed(2)} scored/s ` +
        `on ${availableParallelism()} cores, whole process (tool included), CPU ${b.cpuMsPerItem.toFixed(0)} ms per item; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, ` +
        `max ${(loop.max / 1e6).toFixed(0)} ms; the run ends ${b.ended.toFixed(1)} s in, its report images made (CPU includes them)`,
    );
  } finally {
    await app.close();
    data.dispose();
  }
}

/**
 * CPU of `f`, the least of `n` runs (other load on the machine only ever adds). Process CPU: work `f`
 * hands to a worker thread counts too.
 */
async function leastCpuMs(f: () => unknown, n = 15): Promise<number> {
  await f();
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const before = process.cpuUsage();
    await f();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

async function pixelFigures(): Promise<void> {
  const fixture = await demoFixture();
  const analyzer = new FaceAnalyzer(1);
  try {
    const testCase = fixture.cases.find((c) => c.id === 'demo_solo_hopper')!;
    const swapTool = referenceTools(analyzer).find((t) => t.id === 'classic_swap')!;
    const swap = await readFile(await runTool(fixture, testCase, swapTool));
    for (const side of [512, 1024]) {
      const { rows, analysis } = await pixelCost(analyzer, testCase, swap, side);
      for (const [name, align, measures] of rows) {
        const share = (100 * (align + measures)) / analysis;
        console.log(
          `(c) ${side} px, ${name}: align ${align.toFixed(1)} ms + image measures ${measures.toFixed(1)} ms = ` +
            `${(align + measures).toFixed(1)} ms CPU per output = ${share.toFixed(0)}% of its face analysis`,
        );
      }
      console.log(
        `    (one face analysis of that output, as the scorer runs it: ${analysis.toFixed(0)} ms CPU)`,
      );
    }
    console.log(
      '    (c) aims at 25 ms per 1024-px output, set when one face analysis of it took about 210 ms here: 12%.',
    );
  } finally {
    await analyzer.close();
  }
}

async function pixelCost(
  analyzer: FaceAnalyzer,
  testCase: TestCase,
  swap: Buffer,
  side: number,
): Promise<{ rows: Array<[string, number, number]>; analysis: number }> {
  const k = side / Math.max(testCase.width, testCase.height);
  const size = { width: Math.round(testCase.width * k), height: Math.round(testCase.height * k) };
  const scaled = (image: Buffer) =>
    sharp(image).resize(size.width, size.height, { fit: 'fill' }).png().toBuffer();
  const template = await scaled(await readFile(testCase.templatePath));
  const inPlace = await scaled(swap);
  const moved = await redraw(inPlace, [{ kind: 'shift', x: 0.02, y: 0 }, { kind: 'regrade' }]);
  const templateFace = (await analyzer.analyze(template)).faces[0];
  const work = {
    width: Math.round((size.width * 384) / side),
    height: Math.round((size.height * 384) / side),
  };
  const rows: Array<[string, number, number]> = [];
  let analysis = NaN;
  for (const [name, output] of [
    ['in place', inPlace],
    ['moved and re-graded', moved],
  ] as const) {
    const outputFace = (await analyzer.analyze(output)).faces[0];
    // In shared memory, as the scorer hands them to its workers (the alignment never writes to its input).
    const [t, wt, o, wo] = (
      await Promise.all([
        readRgb(template),
        readRgb(template, work),
        readRgb(output, size),
        readRgb(output, work),
      ])
    ).map(shared);
    const exclude = [...testCase.slots.map((s) => s.box.map((v) => v * k) as typeof s.box), templateFace.box];
    // As the scorer keeps it per case: the template at the measures' scale.
    const factor = measureFactor([templateFace.box]);
    const measureTemplate = shrink(t, { x: 0, y: 0, width: t.width, height: t.height }, factor);
    const at = (box: FaceBox) => box.map((v) => v / factor) as FaceBox;
    const alignment = () =>
      alignToTemplate({
        workTemplate: wt,
        workOutput: wo,
        output: o,
        exclude,
        factor,
        templateKey: testCase.contentHash,
      });
    let aligned = alignment();
    const align = await leastCpuMs(() => {
      aligned = alignment();
    });
    const measures = await leastCpuMs(() =>
      measureImage({
        template: measureTemplate,
        output: aligned.image,
        faceBoxes: [...exclude, outputFace.box].map(at),
        templateBoxes: [at(templateFace.box)],
        covered: aligned.covered,
        faces: {
          template: t,
          output: o,
          colourMap: aligned.registration.colourMap,
          pairs: [
            { output: outputFace.mesh, template: templateFace.mesh, templateKey: testCase.contentHash },
          ],
        },
      }),
    );
    rows.push([name, align, measures]);
    if (name === 'in place') continue;
    // The yardstick: the face analysis of the same output, as the scorer runs it (on the output at the
    // measures' scale), a pixel changed each time so that none is cached.
    let call = 0;
    analysis = await leastCpuMs(() => {
      const pixels = new Uint8Array(aligned.own.pixels);
      pixels[0] ^= ++call;
      return analyzer.analyzeRgb({ ...aligned.own, pixels });
    }, 5);
  }
  return { rows, analysis };
}

/** (w): `swapbench run` in its own process, as a user runs it, timed from spawn to exit. */
async function wholeProcessFigures(): Promise<void> {
  const data = useTempData('bench-throughput-process');
  const { config, cases } = await writeBenchData(data);
  const cli = join(packageRoot(), 'bin', 'swapbench.js');
  const env = {
    ...process.env,
    SWAPBENCH_CONFIG: config,
    SWAPBENCH_DATASETS: data.datasets,
    SWAPBENCH_RUNS: data.runs,
  };
  const timed = async (caseIds: string[], tools: string[]) => {
    const started = performance.now();
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        cli,
        'run',
        '--cases',
        caseIds.join(','),
        '--tools',
        tools.join(','),
        '--concurrency',
        String(CONCURRENCY),
        '--no-cache',
        '--json',
      ],
      { env, maxBuffer: 64 * 2 ** 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    const items = (JSON.parse(stdout) as { items: Array<{ status: string }> }).items;
    return { seconds, scored: items.filter((i) => i.status === 'scored').length, items: items.length };
  };
  const one = await timed([cases[0]], toolIds('wait', 1));
  console.log(
    `\n(w) whole process: a one-item run of a 100-ms tool takes ${one.seconds.toFixed(2)} s from start to exit`,
  );
  const a = await timed(cases, toolIds('wait', Math.min(TOOLS, ITEMS)));
  const ideal = (a.items * WAIT_MS) / CONCURRENCY / 1000;
  console.log(
    `(w) (a)'s ${a.items} items, whole process: ${a.seconds.toFixed(1)} s against an ideal of ${ideal.toFixed(1)} s = ` +
      `${(ideal / a.seconds).toFixed(2)} of ideal (${a.scored} scored)`,
  );
  const b = await timed(['tp_large'], toolIds('fresh', FRESH_ITEMS));
  console.log(
    `(w) (b)'s ${b.items} fresh one-face 1024-px outputs, whole process: ${(b.scored / b.seconds).toFixed(2)}/s ` +
      `start to exit (${b.seconds.toFixed(1)} s; ${(b.scored / (b.seconds - one.seconds)).toFixed(2)}/s without a one-item run's time)`,
  );
}

async function main(): Promise<void> {
  console.log(`Throughput (${availableParallelism()} cores)\n`);
  if (/[ab]/.test(PARTS)) await runnerFigures();
  if (PARTS.includes('c')) await pixelFigures();
  if (PARTS.includes('w')) await wholeProcessFigures();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
