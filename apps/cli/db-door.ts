import { Command } from 'commander';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { migrateDatabase, MIGRATIONS } from '../../libs/database/database.module';
import { DB_COMMAND, DB_MIGRATE_COMMAND, DB_MIGRATE_OPTIONS } from './commands/db.options';

/** `swapbench db migrate`: opens the database alone (no application), applies what it lacks, says what. */
export async function migrate(args: string[], settings: SwapbenchSettings): Promise<void> {
  // An unknown option is printed by commander: exit 2.
  const command = new Command(`${DB_COMMAND.name} ${DB_MIGRATE_COMMAND.name}`)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .option(DB_MIGRATE_OPTIONS.json.flags, DB_MIGRATE_OPTIONS.json.description);
  command.parse(args.slice(2), { from: 'user' });
  const { json } = command.opts<{ json?: boolean }>();
  const { where, applied } = await migrateDatabase(settings.databaseUrl ?? settings.database);
  if (json) {
    const result = { database: where, applied, migrations: MIGRATIONS.length };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else if (applied.length === 0) {
    process.stdout.write(`The database ${where} is up to date (${MIGRATIONS.length} migrations).\n`);
  } else {
    process.stdout.write(
      `The database ${where}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'} (${applied.join(', ')}).\n`,
    );
  }
}
