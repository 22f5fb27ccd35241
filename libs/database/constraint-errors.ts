import { QueryFailedError } from 'typeorm';

// A write the schema refused, recognised alike on SQLite (by its message) and Postgres (by its SQLSTATE).

/** A row that names a row that is not there (a foreign key). */
export function isForeignKeyViolation(error: unknown): boolean {
  return refused(error, '23503', /FOREIGN KEY constraint failed/i);
}

/** A value a unique index already holds. */
export function isUniqueViolation(error: unknown): boolean {
  return refused(error, '23505', /UNIQUE constraint failed/i);
}

function refused(error: unknown, sqlState: string, sqliteMessage: RegExp): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  return (
    (error.driverError as { code?: string } | undefined)?.code === sqlState ||
    sqliteMessage.test(error.message)
  );
}

/** Text Postgres cannot hold (a NUL character); SQLite stores it. */
export function isUnstorableText(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return code === '22021' || code === '22P05';
}
