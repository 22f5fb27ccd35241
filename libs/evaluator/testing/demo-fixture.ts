import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CasesService } from '../../cases/cases.service';
import { DemoCasesService } from '../../cases/demo-cases.service';
import type { TestCase } from '../../cases/test-case';
import { parseSettings } from '../../core/config/swapbench-settings';
import type { FaceAnalyzer } from '../../faces/face-analyzer.service';
import { ClassicSwapTool } from '../../tools/builtin/classic-swap.tool';
import { ControlPasteTool } from '../../tools/builtin/control-paste.tool';
import { ControlTemplateTool } from '../../tools/builtin/control-template.tool';
import type { SwapTool, ToolInput } from '../../tools/tool';
import { resolveToolOptions } from '../../tools/tool-options';
import { writeValidationCases } from './validation-cases';

/** The demo cases, built into a fresh temp datasets folder, and a place to write outputs. */
export interface DemoFixture {
  dir: string;
  cases: TestCase[];
}

/**
 * Builds the demo cases offline into a temp folder (tests and benches never touch ./datasets), and with
 * `validation` the score's validation cases beside them (see validation-cases.ts).
 */
export async function demoFixture(options: { validation?: boolean } = {}): Promise<DemoFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'swapbench-score-'));
  const settings = parseSettings({
    SWAPBENCH_DATASETS: join(dir, 'datasets'),
    SWAPBENCH_RUNS: join(dir, 'runs'),
  });
  await new DemoCasesService(settings).generate();
  if (options.validation) await writeValidationCases(settings.datasets);
  const { cases, invalid } = await new CasesService(settings).list();
  if (invalid.length > 0) throw new Error(`Demo cases invalid: ${invalid.map((c) => c.error).join('; ')}`);
  return { dir, cases };
}

/** The three reference tools the score is validated against, in their expected order. */
export function referenceTools(analyzer: FaceAnalyzer): SwapTool[] {
  return [new ControlTemplateTool(), new ControlPasteTool(analyzer), new ClassicSwapTool(analyzer)];
}

/** The tool input for a case; `avatarOrder` lets a test hand the avatars to the wrong slots. */
export async function toolInput(
  testCase: TestCase,
  tool: SwapTool,
  avatarOrder?: number[],
): Promise<ToolInput> {
  const order = avatarOrder ?? testCase.slots.map((_, i) => i);
  return {
    caseId: testCase.id,
    templatePath: testCase.templatePath,
    template: await readFile(testCase.templatePath),
    avatars: await Promise.all(
      order.map(async (from, i) => ({
        slotId: testCase.slots[i].id,
        path: testCase.avatarPaths[from],
        image: await readFile(testCase.avatarPaths[from]),
      })),
    ),
    slots: testCase.slots,
    prompt: testCase.prompt ?? null,
    options: resolveToolOptions(tool, {}),
    signal: new AbortController().signal,
  };
}

/** Runs a tool on a case and writes its image into the fixture folder; returns the file's path. */
export async function runTool(
  fixture: DemoFixture,
  testCase: TestCase,
  tool: SwapTool,
  avatarOrder?: number[],
): Promise<string> {
  const result = await tool.generate(await toolInput(testCase, tool, avatarOrder));
  if (!result.ok) throw new Error(`${tool.id} failed on ${testCase.id}: ${result.failure.message}`);
  const suffix = avatarOrder ? `-${avatarOrder.join('')}` : '';
  const path = join(fixture.dir, `${testCase.id}__${tool.id}${suffix}.png`);
  await writeFile(path, result.image);
  return path;
}
