import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { UserError } from '../core/user-error';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';
import { ScorerVersion1767052800000 } from './migrations/1767052800000-scorer-version';
import { RatersAndVotes1767225600000 } from './migrations/1767225600000-raters-and-votes';
import { VariantsSamples1767139200001 } from './migrations/1767139200001-variants-samples';

export const MIGRATIONS = [
  InitialSchema1764230400000,
  ScorerVersion1767052800000,
  VariantsSamples1767139200001,
  RatersAndVotes1767225600000,
];

/**
 * Options for the one SQLite file in the runs folder (`SwapbenchSettings.database`). The schema comes from
 * migrations only. No entities: each feature module registers its own (`TypeOrmModule.forFeature`) and
 * the app loads them from there; a standalone DataSource (a migration spec) adds the ones it reads.
 */
export function databaseOptions(database: string): DataSourceOptions {
  return {
    type: 'sqlite',
    database,
    entities: [],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    enableWAL: true,
    busyTimeout: 5000,
    logging: false,
  };
}

/**
 * Opens the database, refuses one written by a newer swapbench (it has migrations this build does not
 * know), and applies pending migrations.
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const file = (options as { database: string }).database;
  const folder = file.replace(/[\\/][^\\/]*$/, '');
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UserError(`Cannot create the runs folder ${folder}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const source = new DataSource(options);
  try {
    await source.initialize();
    await source.query('PRAGMA foreign_keys = ON');
    const known = new Set(MIGRATIONS.map((m) => m.name));
    const hasTable: unknown[] = await source.query(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`,
    );
    if (hasTable.length > 0) {
      const applied: Array<{ name: string }> = await source.query('SELECT name FROM migrations');
      const unknown = applied.filter((m) => !known.has(m.name));
      if (unknown.length > 0) {
        throw new UserError(
          `The database ${file} was written by a newer swapbench (unknown migration ${unknown[0].name}). ` +
            'Upgrade swapbench or point SWAPBENCH_RUNS at another folder.',
        );
      }
    }
    await source.runMigrations({ transaction: 'each' });
    return source;
  } catch (error) {
    if (source.isInitialized) await source.destroy();
    if (error instanceof UserError) throw error;
    const message = (error as Error).message;
    if (/SQLITE_BUSY|locked/i.test(message)) {
      throw new UserError(
        `The database ${file} is locked by another process; try again when it is done.`,
        409,
      );
    }
    if (/SQLITE_NOTADB|not a database|SQLITE_CORRUPT/i.test(message)) {
      throw new UserError(`${file} is not a swapbench database (${message}).`);
    }
    if (/SQLITE_CANTOPEN|SQLITE_READONLY|EACCES/i.test(message)) {
      throw new UserError(
        `Cannot open the database ${file} for writing: is the runs folder writable? (${message})`,
      );
    }
    throw error;
  }
}

/**
 * The one connection. It lists no tables: each module that owns a table registers its entities with
 * `TypeOrmModule.forFeature` and they are loaded from there (`autoLoadEntities`).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      // A UserError (unusable folder, newer or foreign database) will not heal in a retry: fail at once
      // instead of TypeORM's default 9 retries, 3 s apart, each logging a stack trace.
      inject: [SwapbenchSettings],
      useFactory: (settings: SwapbenchSettings) => ({
        ...databaseOptions(settings.database),
        autoLoadEntities: true,
        toRetry: (error: Error) => !(error instanceof UserError),
      }),
      dataSourceFactory: async (options) => openDatabase(options!),
    }),
  ],
})
export class DatabaseModule {}
