import { Injectable, Module } from '@nestjs/common';

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DataSource } from 'typeorm';
import { writeFileAtomic } from '../core/atomic-write';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { DatabaseModule } from './database.module';

/** The data folders whose files are shared: a path is relative to one of them. */
export type SharedArea = 'runs' | 'datasets';

/**
 * The files of the data folders as every process of a team sees them (docs/team.md). Each process works on
 * files in its own folders; what one writes for the others it `publish`es, and what it needs of the others
 * it `fetch`es before reading. Alone (the single-user default) the folders are the only copy and both do
 * nothing; in team mode the server and its workers share no disk and the files travel through the
 * database. One interface, so that an object store can take the database's place.
 */
export abstract class SharedFiles {
  /** Makes the local file at `path` (in `area`) the one every process gets. */
  abstract publish(area: SharedArea, path: string): Promise<void>;
  /**
   * Makes sure the local file at `path` is the shared one, fetching it when it is missing or different;
   * false when no process has published it.
   */
  abstract fetch(area: SharedArea, path: string): Promise<boolean>;
  /** The published paths in `area` under the folder `prefix` (e.g. a case's files). */
  abstract list(area: SharedArea, prefix: string): Promise<string[]>;
}

/** One process's folders, shared with nobody: the files are already where every reader looks. */
export class LocalFiles extends SharedFiles {
  publish(): Promise<void> {
    return Promise.resolve();
  }

  fetch(): Promise<boolean> {
    return Promise.resolve(true);
  }

  list(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

/**
 * Team mode: each content once in `blobs` (by SHA-256), each file's current content in `shared_files`.
 * Written through the query builder with the tables' names: the bytes column is `bytea` on Postgres and
 * `blob` on SQLite, which no one entity column type covers.
 */
@Injectable()
export class DatabaseFiles extends SharedFiles {
  constructor(
    private readonly db: DataSource,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async publish(area: SharedArea, path: string): Promise<void> {
    const bytes = await readFile(this.local(area, path));
    const sha256 = sha256Of(bytes);
    const now = new Date().toISOString();
    await this.db
      .createQueryBuilder()
      .insert()
      .into('blobs', ['sha256', 'bytes', 'size', 'created_at'])
      .values({ sha256, bytes, size: bytes.length, created_at: now })
      .orIgnore()
      .execute();
    // Insert the path, or point it at the new content: portable, where an upsert's syntax is not.
    const file = { path: key(area, path), sha256, updated_at: now };
    await this.db
      .createQueryBuilder()
      .insert()
      .into('shared_files', Object.keys(file))
      .values(file)
      .orIgnore()
      .execute();
    await this.db
      .createQueryBuilder()
      .update('shared_files')
      .set({ sha256, updated_at: now })
      .where('path = :path', { path: file.path })
      .execute();
  }

  async fetch(area: SharedArea, path: string): Promise<boolean> {
    const shared = await this.db
      .createQueryBuilder()
      .select('f.sha256', 'sha256')
      .from('shared_files', 'f')
      .where('f.path = :path', { path: key(area, path) })
      .getRawOne<{ sha256: string }>();
    if (!shared) return false;
    const local = this.local(area, path);
    const here = await readFile(local).catch(() => null);
    if (here && sha256Of(here) === shared.sha256) return true;
    const blob = await this.db
      .createQueryBuilder()
      .select('b.bytes', 'bytes')
      .from('blobs', 'b')
      .where('b.sha256 = :sha256', { sha256: shared.sha256 })
      .getRawOne<{ bytes: Buffer }>();
    if (!blob) return false;
    await writeFileAtomic(local, blob.bytes);
    return true;
  }

  async list(area: SharedArea, prefix: string): Promise<string[]> {
    const start = key(area, prefix.replace(/\/?$/, '/'));
    const rows = await this.db
      .createQueryBuilder()
      .select('f.path', 'path')
      .from('shared_files', 'f')
      .where('substr(f.path, 1, :length) = :start', { length: start.length, start })
      .getRawMany<{ path: string }>();
    return rows.map((r) => r.path.slice(area.length + 1)).sort();
  }

  private local(area: SharedArea, path: string): string {
    return join(this.settings[area], ...path.split('/'));
  }
}

function key(area: SharedArea, path: string): string {
  return posix.join(area, path);
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `SharedFiles` for the process: the database's in team mode, else the local folders alone. */
@Module({
  imports: [DatabaseModule],
  providers: [
    DatabaseFiles,
    {
      provide: SharedFiles,
      inject: [SwapbenchSettings, DatabaseFiles],
      useFactory: (settings: SwapbenchSettings, team: DatabaseFiles) =>
        settings.teamMode ? team : new LocalFiles(),
    },
  ],
  exports: [SharedFiles],
})
export class SharedFilesModule {}
