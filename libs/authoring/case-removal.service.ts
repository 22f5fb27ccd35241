import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CasesService } from '../cases/cases.service';
import { isSlug } from '../core/slug';
import { UserError } from '../core/user-error';
import { RunsService } from '../runs/runs.service';

/** What happened to a case folder. */
export interface CaseRemoved {
  id: string;
  action: 'deleted' | 'archived';
  /** Where an archived case now lives, relative to the datasets folder. */
  archivedTo: string | null;
}

/** Archived cases live here, out of the loader's sight (it skips dot-folders), with their files intact. */
export const ARCHIVE_FOLDER = '.archive';

/**
 * Deletes or archives test cases. A case that a run refers to is never deleted (its results would lose
 * their inputs): that is a 409 that says which runs, and the case can be archived instead, which hides it
 * from the gallery and keeps its files.
 */
@Injectable()
export class CaseRemovalService {
  constructor(
    private readonly cases: CasesService,
    private readonly runs: RunsService,
  ) {}

  async remove(id: string, archive: boolean): Promise<CaseRemoved> {
    if (!isSlug(id)) throw new UserError(`"${id.slice(0, 80)}" is not a valid case id`);
    const dir = join(this.cases.root, id);
    // `sources` holds the demo photos, not a case (the loader skips it too).
    if (id === 'sources' || !existsSync(dir)) throw new UserError(`There is no test case "${id}"`, 404);
    if (archive) {
      const archivedTo = join(ARCHIVE_FOLDER, `${id}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
      await mkdir(join(this.cases.root, ARCHIVE_FOLDER), { recursive: true });
      await rename(dir, join(this.cases.root, archivedTo));
      return { id, action: 'archived', archivedTo };
    }
    const names = await this.runs.runsUsingCase(id);
    if (names.length > 0) {
      throw new UserError(
        `Test case "${id}" is used by ${names.length} run${names.length === 1 ? '' : 's'} ` +
          `(${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}), so it cannot be deleted; ` +
          'archive it instead to hide it and keep its files for those runs',
        409,
      );
    }
    // Renamed out of the way first, so the case vanishes at once and a failed removal leaves no half case.
    const doomed = `${dir}.${randomBytes(6).toString('hex')}.old`;
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
    return { id, action: 'deleted', archivedTo: null };
  }
}
