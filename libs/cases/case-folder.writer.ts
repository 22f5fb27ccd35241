import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../core/user-error';

/** The files of one case folder, by path relative to it (`case.json`, `template.png`, `avatars/a.png`). */
export type CaseFiles = Map<string, Buffer>;

/** What to do when the case folder already exists. */
export type ExistingCase = 'replace' | 'refuse';

/**
 * Writes a case into a temp folder beside its target (`<id>.<random>.tmp`, which the loader skips), then
 * moves it into place with a rename, so a reader never sees half a case and a failure leaves nothing
 * behind. With `refuse`, an existing case is a 409 UserError and is never touched; with `replace`, the old
 * folder is swapped out with a second rename and removed.
 */
export async function writeCaseFolder(
  target: string,
  files: CaseFiles,
  existing: ExistingCase = 'replace',
): Promise<void> {
  const suffix = randomBytes(6).toString('hex');
  const temp = `${target}.${suffix}.tmp`;
  const old = `${target}.${suffix}.old`;
  try {
    for (const [name, bytes] of files) {
      await mkdir(dirname(join(temp, name)), { recursive: true });
      await writeFile(join(temp, name), bytes, { flag: 'wx' });
    }
    if (existing === 'refuse') {
      // rename(2) onto an existing non-empty folder fails, so two writers of one id cannot both win.
      await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST' || error.code === 'EISDIR') {
          throw new UserError(`A test case with the id "${caseIdOf(target)}" already exists`, 409);
        }
        throw error;
      });
      return;
    }
    const hadOld = await rename(target, old).then(
      () => true,
      () => false,
    );
    await rename(temp, target);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** True when every file already exists under `dir` with the same bytes (re-generating changes nothing). */
export async function sameCaseFiles(dir: string, files: CaseFiles): Promise<boolean> {
  for (const [name, bytes] of files) {
    const existing = await readFile(join(dir, name)).catch(() => null);
    if (!existing || !existing.equals(bytes)) return false;
  }
  return true;
}

function caseIdOf(target: string): string {
  return target.split(/[\\/]/).pop() ?? target;
}
