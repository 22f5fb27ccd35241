import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { seededRandom } from '../libs/core/seeded-random';
import { isWholeWebp, VARIANT_CACHE_FOLDER } from '../libs/report-images/variant-cache';
import { cliEnv, finished, startSwapbench, swapbench } from './support/cli';
import { filesUnder, makeTempData, writeFaceCases } from './support/fixtures';
import { integrityCheck, queryDatabase } from './support/database-probe';

// Issue 8, crash safety under repetition: `swapbench run` is killed with SIGKILL ten times in a row at
// seeded random points (while the tool generates, right after it answered — file and database writes —
// and while scoring), each time followed by `--resume`. Afterwards: every item ended, no case generated
// twice unless a kill landed after the tool answered and before its image was on disk, the database
// passes integrity_check after every kill, and the runs folder holds no partial or orphan file.
// (One kill with a deterministic kill point is in resume.e2e.spec.ts; this one is about repetition.)

const KILLS = 10;
const CASES = 24;
const data = makeTempData('kills');
after(() => data.cleanup());

const log = join(data.root, 'calls.log');
const config = join(data.root, 'swapbench.config.json');

function logLines(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

interface ItemRow {
  case_id: string;
  status: string;
  image_path: string | null;
}

/** What a kill interrupted (often several things at once), read from the database and the tool's log. */
type KillPoint = 'tool call' | 'answer not yet on disk' | 'image on disk, not recorded' | 'scoring';

test(
  `a run killed ${KILLS} times at random points resumes each time and ends whole`,
  { timeout: 180_000 },
  async () => {
    const cases = await writeFaceCases(data.datasets, CASES, 'k');
    writeFileSync(
      config,
      JSON.stringify({
        plugins: [
          { module: join(__dirname, 'support', 'slow-log.plugin.js'), options: { log, delay_ms: 60 } },
        ],
      }),
    );
    const env = cliEnv(data, { SWAPBENCH_CONFIG: config });
    const random = seededRandom(8);
    /** Cases whose tool call had answered but whose image was not on disk when a kill landed. */
    const lostInFlight = new Map<string, number>();
    const points = new Map<KillPoint, number>();
    const hit = (point: KillPoint) => points.set(point, (points.get(point) ?? 0) + 1);
    let runId = '';

    for (let round = 0; round < KILLS; round++) {
      const args =
        round === 0 ? ['run', '--cases', 'all', '--tools', 'test_slow_log'] : ['run', '--resume', runId];
      const child = startSwapbench(args, env);
      const done = finished(child, 60_000);
      const linesBefore = logLines().length;
      // Kill after 1–3 new tool-log lines and a random 0–120 ms more: sometimes mid-call, sometimes while
      // the image and the database are written, sometimes while the previous image is scored.
      const wantLines = linesBefore + 1 + Math.floor(random() * 3);
      const extraMs = Math.floor(random() * 120);
      const deadline = Date.now() + 30_000;
      while (logLines().length < wantLines && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, extraMs));
      if (child.exitCode !== null) {
        const early = await done;
        assert.fail(`round ${round}: the run ended (${early.code}) before the kill: ${early.stderr}`);
      }
      child.kill('SIGKILL');
      const result = await done;
      assert.equal(result.code, null, `round ${round}: killed by the signal`);

      assert.deepEqual(await integrityCheck(data), ['ok'], `round ${round}: integrity_check`);
      if (!runId) {
        const runs = await queryDatabase<{ id: string }>(data, 'SELECT id FROM runs');
        assert.equal(runs.length, 1);
        runId = runs[0].id;
      }
      const items = await queryDatabase<ItemRow>(data, 'SELECT case_id, status, image_path FROM run_items');
      const lines = logLines();
      const last = lines.at(-1) ?? '';
      const onDisk = (row: ItemRow) => row.image_path !== null && existsSync(join(data.runs, row.image_path));
      for (const caseId of cases) {
        // Every answer of the tool so far for a case whose image is not on disk died with a process.
        const answers = lines.filter((l) => l === `done ${caseId}`).length;
        const row = items.find((i) => i.case_id === caseId)!;
        if (answers > (lostInFlight.get(caseId) ?? 0) && !onDisk(row)) {
          lostInFlight.set(caseId, answers);
          hit('answer not yet on disk');
        }
      }
      if (last.startsWith('start ')) hit('tool call');
      if (items.some((i) => i.status === 'generating' && onDisk(i))) hit('image on disk, not recorded');
      if (items.some((i) => i.status === 'evaluating')) hit('scoring');
    }

    const resumed = await swapbench(['run', '--resume', runId, '--json'], env, 60_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    const json = JSON.parse(resumed.stdout) as {
      status: string;
      items: Array<{ case_id: string; status: string; image_path: string | null; error: string | null }>;
    };
    assert.equal(json.status, 'finished');
    assert.deepEqual(await integrityCheck(data), ['ok']);

    // No item lost: one per case, each ended, with a whole image (scoring may fail an output; generation
    // must not).
    assert.deepEqual(json.items.map((i) => i.case_id).sort(), cases);
    for (const item of json.items) {
      assert.ok(['scored', 'failed'].includes(item.status), `${item.case_id}: ${item.status}`);
      if (item.status === 'failed') assert.match(item.error ?? '', /^Scoring failed/, item.case_id);
      assert.ok(item.image_path, item.case_id);
      const meta = await sharp(readFileSync(item.image_path)).raw().toBuffer({ resolveWithObject: true });
      assert.ok(meta.info.width > 0, `${item.case_id}: the image decodes`);
      JSON.parse(readFileSync(item.image_path.replace(/\.png$/, '.json'), 'utf8'));
    }

    // None generated twice: one finished tool call per case, plus one for each kill that landed after the
    // tool answered and before the image reached the disk (that answer was lost with the process).
    const lines = logLines();
    for (const caseId of cases) {
      const calls = lines.filter((l) => l === `done ${caseId}`).length;
      assert.equal(calls, 1 + (lostInFlight.get(caseId) ?? 0), `${caseId}: finished tool calls`);
    }

    // No partial or orphan file: no temp file (the report's variant cache included), every image and
    // sidecar belongs to an item, and every cached report image is whole.
    const files = filesUnder(data.runs).filter((f) => !f.startsWith('swapbench.db'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp') || f.includes('/.')),
      [],
    );
    const reportImages = files.filter((f) => f.startsWith(`${VARIANT_CACHE_FOLDER}/`));
    for (const f of reportImages) assert.ok(isWholeWebp(readFileSync(join(data.runs, f))), f);
    const expected = json.items.flatMap((i) => {
      const rel = i.image_path!.slice(data.runs.length + 1);
      return [rel, rel.replace(/\.png$/, '.json')];
    });
    assert.deepEqual(files.filter((f) => !reportImages.includes(f)).sort(), expected.sort());

    console.log(`# kills: ${KILLS} survived; interrupted ${JSON.stringify(Object.fromEntries(points))}`);
  },
);
