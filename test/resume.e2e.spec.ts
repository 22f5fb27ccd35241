import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliEnv, finished, startSwapbench, swapbench } from './support/cli';
import { filesUnder, makeTempData, writeFaceCases } from './support/fixtures';

// Crash safety (docs/api.md §4.3) end to end: a real `swapbench run` is killed with SIGKILL mid-run, then
// `swapbench run --resume <id> --json` finishes it. The tool is a plugin that logs every call to a file.

const data = makeTempData('resume');
after(() => data.cleanup());

const log = join(data.root, 'calls.log');
const plugin = join(__dirname, 'support', 'slow-log.plugin.js');

function config(name: string, delayMs: number): string {
  const path = join(data.root, name);
  writeFileSync(path, JSON.stringify({ plugins: [{ module: plugin, options: { log, delay_ms: delayMs } }] }));
  return path;
}

/** Whether the case's output is in the runs folder (written whole: images are renamed into place). */
function imageStored(caseId: string): boolean {
  return existsSync(data.runs) && filesUnder(data.runs).some((f) => f.endsWith(`/${caseId}.png`));
}

function logLines(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

async function until<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface RunJson {
  run_id: string;
  status: string;
  items: Array<{ case_id: string; status: string; image_path: string | null; error: string | null }>;
}

test(
  'a run killed mid-way resumes with no item lost, none generated twice and no half-written file',
  { timeout: 120_000 },
  async () => {
    const cases = await writeFaceCases(data.datasets, 10, 'tc');
    const slow = cliEnv(data, { SWAPBENCH_CONFIG: config('slow.config.json', 500) });
    const fast = cliEnv(data, { SWAPBENCH_CONFIG: config('fast.config.json', 20) });

    const first = startSwapbench(
      ['run', '--cases', 'all', '--tools', 'test_slow_log', '--concurrency', '1'],
      slow,
    );
    const firstDone = finished(first, 120_000);
    let stderr = '';
    first.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const runId = await until(() => /run (r[\w-]+): 10 items/.exec(stderr)?.[1], 'the run id on stderr');

    // While the first process is alive, a second one must not execute the same run.
    await until(() => logLines().length > 0, 'the first call');
    const meanwhile = await swapbench(['run', '--resume', runId, '--json'], slow);
    assert.equal(meanwhile.code, 2, meanwhile.stderr);
    assert.match(meanwhile.stderr, /being executed by another swapbench process/);

    // Kill while the tool is in the middle of a call (its last line is a `start`), after some items are
    // stored. An answer is stored after the tool's place is given back, so the next call may start before
    // the last answer is on disk; an answer still in memory is lost with the process, and is not waited for.
    await until(() => {
      const lines = logLines();
      const done = lines.filter((l) => l.startsWith('done ')).map((l) => l.slice(5));
      return done.length >= 2 && lines.at(-1)?.startsWith('start ') && done.every(imageStored);
    }, 'two stored items and a third under way');
    assert.equal(first.exitCode, null, 'the first run is still going when it is killed');
    first.kill('SIGKILL');
    const killed = await firstDone;
    assert.equal(killed.code, null, 'killed by the signal, not exited');
    const beforeKill = logLines();
    // The process is gone: what is on disk now is what the resume finds.
    const storedBeforeKill = cases.filter(imageStored);
    const inFlight = beforeKill.at(-1)!.slice(6);
    assert.ok(storedBeforeKill.length >= 2, 'two items stored before the kill');

    // The heartbeat is still fresh, but its owner process is gone: the resume may start at once.
    const resumed = await swapbench(['run', '--resume', runId, '--json'], fast, 60_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    const json = JSON.parse(resumed.stdout) as RunJson;
    assert.equal(json.run_id, runId);
    assert.equal(json.status, 'finished');

    // No item lost: every case has its item, ended, with its image on disk.
    assert.deepEqual(json.items.map((i) => i.case_id).sort(), cases);
    for (const item of json.items) {
      assert.ok(['scored', 'failed'].includes(item.status), `${item.case_id}: ${item.status}`);
      // Scoring belongs to the evaluator and may fail an output; generation must not.
      if (item.status === 'failed')
        assert.match(item.error ?? '', /^Scoring failed/, `${item.case_id}: ${item.error}`);
      assert.ok(item.image_path && existsSync(item.image_path), `${item.case_id} image exists`);
    }
    assert.equal(new Set(json.items.map((i) => i.image_path)).size, cases.length);

    // None generated twice: an item stored before the kill was not handed to the tool again; every other
    // was generated once after it (the interrupted one among them). Only an answer that was still in the
    // killed process's memory may have been produced before as well.
    const lines = logLines();
    const afterKill = lines.slice(beforeKill.length);
    for (const caseId of cases) {
      const stored = storedBeforeKill.includes(caseId);
      const doneBefore = beforeKill.filter((l) => l === `done ${caseId}`).length;
      const doneAfter = afterKill.filter((l) => l === `done ${caseId}`).length;
      if (stored) assert.deepEqual([doneBefore, doneAfter], [1, 0], `${caseId} stored, not generated again`);
      else assert.ok(doneBefore <= 1 && doneAfter === 1, `${caseId} generated once on resume`);
    }
    assert.ok(
      afterKill.includes(`start ${inFlight}`),
      `the interrupted item ${inFlight} is generated on resume`,
    );

    // No half-written file anywhere in the runs folder.
    assert.deepEqual(
      filesUnder(data.runs).filter((f) => f.endsWith('.tmp')),
      [],
    );
  },
);
