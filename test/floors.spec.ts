import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../libs/core/package-root';

/**
 * The floors of the code: a folder may import from its own folder and from folders on lower floors,
 * never from its own floor or above. Read from the code as it stands: core is the ground; the stores and
 * inputs (database, cases, faces, report image variants) sit on it; the scorer, the tools and the ratings
 * table and the accounts use those; runs use all of them (a run's detail carries its ratings, so ratings are below runs
 * and need nothing of them but the foreign key); what is built from runs (authoring's case removal,
 * judgement, results, suites, team mode's queues) is above them; the report above its sections; the web app above all libs;
 * the server's door, then the CLI's (its `serve` starts the server).
 */
const FLOORS: Record<string, number> = {
  'libs/core': 0,
  'libs/database': 1,
  'libs/cases': 1,
  'libs/faces': 1,
  'libs/report-images': 1,
  'libs/evaluator': 2,
  'libs/tools': 2,
  'libs/ratings': 2,
  'libs/accounts': 2,
  'libs/runs': 3,
  'libs/authoring': 4,
  'libs/judgement': 4,
  'libs/results': 4,
  'libs/suites': 4,
  'libs/team': 4,
  'libs/report': 5,
  'libs/web': 6,
  'apps/server': 7,
  'apps/cli': 8,
};

/**
 * Arrows allowed against the floors, each with its reason, as `from-file -> to-folder`. Empty now; an
 * entry here is a debt to pay, not a rule.
 */
const EXCEPTIONS: Record<string, string> = {};

/** An import between two source files: `from` imports `to` (both relative to the package root). */
interface Arrow {
  from: string;
  to: string;
}

const ROOT = packageRoot();

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder)).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import, `import type` and dynamic `import()`/`require()` of a production source file. */
function arrows(): Arrow[] {
  const files = [...sources('apps'), ...sources('libs')].filter((f) => !f.endsWith('.spec.ts'));
  return files.flatMap((from) => {
    const text = readFileSync(join(ROOT, from), 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:\bfrom|\bimport|\brequire\()\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
    ].map((m) => m[1]);
    return specifiers.map((spec) => ({ from, to: relative(ROOT, join(ROOT, dirname(from), spec)) }));
  });
}

/** The floor's folder a file belongs to (`libs/runs`), or the top folder outside apps and libs (`test`). */
function folderOf(path: string): string {
  const parts = path.split(sep).join('/').split('/');
  return parts[0] === 'libs' || parts[0] === 'apps' ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('floors', () => {
  const all = arrows();

  it('knows the floor of every folder of apps and libs', () => {
    const folders = [
      ...readdirSync(join(ROOT, 'apps')).map((f) => `apps/${f}`),
      ...readdirSync(join(ROOT, 'libs')).map((f) => `libs/${f}`),
    ].filter((f) => statSync(join(ROOT, f)).isDirectory());
    assert.deepEqual(
      folders.filter((f) => !(f in FLOORS)),
      [],
      'a new folder needs its floor in FLOORS',
    );
    // The walk found the imports (a broken pattern would find none and pass everything).
    assert.ok(all.length > 500, `only ${all.length} imports found`);
  });

  it('has no import from a floor to its own floor (another folder) or a higher one', () => {
    const upward = all.flatMap(({ from, to }) => {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === b) return [];
      const key = `${from.split(sep).join('/')} -> ${b}`;
      if (key in EXCEPTIONS) return [];
      // Production code never reaches into tests, benches or the site's sources.
      if (!(b in FLOORS)) return [`${key} (outside apps and libs)`];
      return FLOORS[b] < FLOORS[a] ? [] : [`${key} (floor ${FLOORS[a]} -> ${FLOORS[b]})`];
    });
    assert.deepEqual(upward, []);
  });

  it('lists no exception that the code no longer needs', () => {
    const used = new Set(all.map(({ from, to }) => `${from.split(sep).join('/')} -> ${folderOf(to)}`));
    assert.deepEqual(
      Object.keys(EXCEPTIONS).filter((e) => !used.has(e)),
      [],
    );
  });
});
