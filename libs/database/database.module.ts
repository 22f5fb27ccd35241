import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { publicUrl } from '../core/secret-redaction';
import { UserError } from '../core/user-error';
import { Accounts1767484800000 } from './migrations/1767484800000-accounts';
import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';
import { ScorerVersion1767052800000 } from './migrations/1767052800000-scorer-version';
import { RatersAndVotes1767225600000 } from './migrations/1767225600000-raters-and-votes';
import { FailureCodes1767398400000 } from './migrations/1767398400000-failure-codes';
import { VariantsSamples1767139200001 } from './migrations/1767139200001-variants-samples';
import { SharedFiles1767312000000 } from './migrations/1767312000000-shared-files';

export const MIGRATIONS = [
  InitialSchema1764230400000,
  ScorerVersion1767052800000,
  VariantsSamples1767139200001,
  RatersAndVotes1767225600000,
  SharedFiles1767312000000,
  FailureCodes1767398400000,
  Accounts1767484800000,
];

/**
 * Options for the database: the one SQLite file in the runs folder (`SwapbenchSettings.database`), or the
 * Postgres database a `postgres://` URL names (team mode, docs/team.md). The schema comes from migrations
 * only. No entities: each feature module registers its own (`TypeOrmModule.forFeature`) and the app loads
 * them from there; a standalone DataSource (a migration spec) adds the ones it reads.
 */
export function databaseOptions(database: string): DataSourceOptions {
  const common = {
    entities: [],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
  if (isPostgresUrl(database)) {
    return { ...common, type: 'postgres', url: database, connectTimeoutMS: 10_000 };
  }
  return { ...common, type: 'sqlite', database, enableWAL: true, busyTimeout: 5000 };
}

function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** What `openDatabase` does with migrations this database lacks. */
export type PendingMigrations =
  /** Applies them (the SQLite file of one user; `swapbench db migrate`). */
  | 'apply'
  /** Refuses the database, naming `swapbench db migrate` (a shared database changes only on purpose). */
  | 'refuse';

/**
 * Opens the database and refuses one written by a newer swapbench (it has migrations this build does not
 * know); then applies the pending migrations, or refuses the database while it has any.
 */
export async function openDatabase(
  options: DataSourceOptions,
  pending: PendingMigrations = 'apply',
): Promise<DataSource> {
  return (await open(options, pending)).source;
}

/** `swapbench db migrate`: applies the migrations the database lacks; resolves with their names. */
export async function migrateDatabase(database: string): Promise<{ where: string; applied: string[] }> {
  const options = databaseOptions(database);
  const { source, applied } = await open(options, 'apply');
  await source.destroy();
  return { where: describeDatabase(options), applied };
}

async function open(
  options: DataSourceOptions,
  pending: PendingMigrations,
): Promise<{ source: DataSource; applied: string[] }> {
  const where = describeDatabase(options);
  if (options.type === 'sqlite') makeFolderOf(options.database);
  const source = new DataSource(options);
  try {
    await source.initialize();
    if (options.type === 'sqlite') await source.query('PRAGMA foreign_keys = ON');
    await refuseNewer(source, where);
    if (pending === 'refuse' && (await source.showMigrations())) {
      throw new UserError(
        `The database ${where} is not set up for this swapbench: run \`swapbench db migrate\` first.`,
      );
    }
    const applied = await source.runMigrations({ transaction: 'each' });
    return { source, applied: applied.map((m) => m.name) };
  } catch (error) {
    if (source.isInitialized) await source.destroy();
    throw databaseError(error, where);
  }
}

/** The database as a message names it: the file, or the Postgres URL without its credentials. */
function describeDatabase(options: DataSourceOptions): string {
  if (options.type === 'postgres') return `at SWAPBENCH_DATABASE_URL (${publicUrl(options.url ?? '')})`;
  return String(options.database);
}

function makeFolderOf(file: string | Uint8Array): void {
  const folder = String(file).replace(/[\\/][^\\/]*$/, '');
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UserError(`Cannot create the runs folder ${folder}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

async function refuseNewer(source: DataSource, where: string): Promise<void> {
  const runner = source.createQueryRunner();
  try {
    if (!(await runner.hasTable('migrations'))) return;
  } finally {
    await runner.release();
  }
  const known = new Set(MIGRATIONS.map((m) => m.name));
  const applied: Array<{ name: string }> = await source.query('SELECT name FROM migrations');
  const unknown = applied.filter((m) => !known.has(m.name));
  if (unknown.length > 0) {
    throw new UserError(
      `The database ${where} was written by a newer swapbench (unknown migration ${unknown[0].name}). ` +
        'Upgrade swapbench or point swapbench at another database.',
    );
  }
}

/** A readable error for a database that cannot be opened; anything else as it was. */
function databaseError(error: unknown, where: string): unknown {
  if (error instanceof UserError) return error;
  const message = (error as Error).message;
  const code = (error as { code?: string }).code ?? '';
  const cannotReach: Record<string, string> = {
    ECONNREFUSED: 'nothing answers at that address',
    ENOTFOUND: 'the host name is unknown',
    EAI_AGAIN: 'the host name could not be looked up',
    ETIMEDOUT: 'the connection timed out',
    '28P01': 'the password was refused',
    '28000': 'the user may not connect',
    '3D000': 'the database does not exist (create it, then run `swapbench db migrate`)',
  };
  if (cannotReach[code]) return new UserError(`Cannot open the database ${where}: ${cannotReach[code]}.`);
  if (/timeout/i.test(message) && where.startsWith('at ')) {
    return new UserError(`Cannot open the database ${where}: the connection timed out.`);
  }
  if (/SQLITE_BUSY|locked/i.test(message)) {
    return new UserError(
      `The database ${where} is locked by another process; try again when it is done.`,
      409,
    );
  }
  if (/SQLITE_NOTADB|not a database|SQLITE_CORRUPT/i.test(message)) {
    return new UserError(`${where} is not a swapbench database (${message}).`);
  }
  if (/SQLITE_CANTOPEN|SQLITE_READONLY|EACCES/i.test(message)) {
    return new UserError(
      `Cannot open the database ${where} for writing: is the runs folder writable? (${message})`,
    );
  }
  return error;
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
        ...databaseOptions(settings.databaseUrl ?? settings.database),
        autoLoadEntities: true,
        toRetry: (error: Error) => !(error instanceof UserError),
        pending: settings.databaseUrl ? 'refuse' : 'apply',
      }),
      dataSourceFactory: async (options) =>
        openDatabase(options!, (options as { pending?: PendingMigrations }).pending),
    }),
  ],
})
export class DatabaseModule {}
