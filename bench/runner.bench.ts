import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { withSettings } from '../libs/core/config/settings.module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DemoCasesService } from '../libs/cases/demo-cases.service';
import { RunEventBus } from '../libs/core/event-bus';
import type { ItemStatus } from '../libs/core/run-events';
import { VARIANT_CACHE_FOLDER } from '../libs/report-images/variant-cache';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunsModule } from '../libs/runs/runs.module';
import { RunsService } from '../libs/runs/runs.service';
import { useTempData } from '../test/support/temp-data';

/**
 * Runner overhead: a run of every demo case × both controls, timed from the event bus. For each item the
 * time from its first `generating` to `scored` is split into the tool's own time (latency_ms), the
 * evaluator's time (`evaluating` → `scored`), and the rest — database writes, file writes, events and
 * waiting — which is the runner's overhead. Also what encoding each output's report images costs (done
 * when no item is being scored, so it is in no part of the split), and how much of it was left for
 * after the run.
 */
async function main(): Promise<void> {
  const data = useTempData('bench-runner');
  await new DemoCasesService(data.settings).generate();
  const app = await NestFactory.createApplicationContext(withSettings(RunsModule, data.settings), {
    logger: false,
  });
  try {
    const runs = app.get(RunsService);
    const executor = app.get(RunExecutor);
    const seen = new Map<number, Partial<Record<ItemStatus, number>>>();
    app.get(RunEventBus).subscribe((event) => {
      if (event.type !== 'update') return;
      const times = seen.get(event.item_id) ?? {};
      times[event.status] ??= performance.now();
      seen.set(event.item_id, times);
    });

    for (const concurrency of [1, 4]) {
      seen.clear();
      const { run } = await runs.create({
        case_ids: 'all',
        tool_ids: ['control_template', 'control_paste'],
        options: { cache: false, concurrency },
      });
      // Outputs are the same bytes in both runs: without this the second would find its images cached.
      rmSync(join(data.runs, VARIANT_CACHE_FOLDER), { recursive: true, force: true });
      const encodes = { ...executor.reportVariants.stats };
      const started = performance.now();
      await executor.execute(run.id);
      const wall = performance.now() - started;
      const drained = performance.now();
      await executor.reportVariants.settled();
      const backlog = performance.now() - drained;
      const detail = await runs.detail(run.id);
      let tool = 0;
      let scoring = 0;
      let lifetime = 0;
      for (const item of detail.items) {
        const t = seen.get(item.id)!;
        tool += item.latency_ms ?? 0;
        scoring += (t.scored ?? 0) - (t.evaluating ?? 0);
        lifetime += (t.scored ?? 0) - (t.generating ?? 0);
      }
      const n = detail.items.length;
      const overhead = (lifetime - tool - scoring) / n;
      console.log(
        `concurrency ${concurrency}: ${n} items in ${(wall / 1000).toFixed(2)} s wall; per item: tool ${(tool / n).toFixed(1)} ms, ` +
          `scoring incl. waiting for a worker ${(scoring / n).toFixed(1)} ms, runner overhead ${overhead.toFixed(1)} ms ` +
          `(${((100 * overhead) / (lifetime / n)).toFixed(1)}% of an item's time)`,
      );
      const outputs = executor.reportVariants.stats.outputs - encodes.outputs;
      const ms = executor.reportVariants.stats.ms - encodes.ms;
      console.log(
        `  report images: ${outputs} outputs encoded into the cache, ${(ms / Math.max(1, outputs)).toFixed(1)} ms each, ` +
          `whenever no item was being scored; ${(backlog / 1000).toFixed(2)} s of them after the run`,
      );
    }
  } finally {
    await app.close();
    data.dispose();
  }
}

void main();
