/**
 * The `db` command as the user sees it. One definition for the help that nest-commander prints
 * (`DbCommand`) and the parser of the database door (`db-door.ts`), which runs `db migrate` without the
 * CLI's container: that container opens the database, and refuses a shared one with migrations pending.
 */
export const DB_COMMAND = {
  name: 'db',
  description: 'The database: `db migrate` applies the schema changes this swapbench needs.',
} as const;

export const DB_MIGRATE_COMMAND = {
  name: 'migrate',
  description:
    'Apply the migrations the database lacks: the SQLite file in the runs folder, or the Postgres database of SWAPBENCH_DATABASE_URL (team mode, which refuses to start until this has run).',
} as const;

export const DB_MIGRATE_OPTIONS = {
  json: { flags: '--json', description: 'print {database, applied, migrations} as JSON' },
} as const;

/** Whether the arguments ask for `db migrate` (its `--help` is answered before, by the help door). */
export function isDbRequest(args: string[]): boolean {
  return args[0] === DB_COMMAND.name && args[1] === DB_MIGRATE_COMMAND.name;
}
