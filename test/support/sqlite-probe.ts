import sqlite3 from 'sqlite3';

/**
 * Runs one query against a SQLite file outside the app (as an operator would after a crash) and closes
 * the file again. Opening it replays or rolls back whatever journal a killed process left.
 */
export function querySqlite<T = Record<string, unknown>>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => {
        db.close(() => (error ? reject(error) : resolve(rows as T[])));
      });
    });
  });
}

/** `PRAGMA integrity_check` of a SQLite file: `['ok']` when the file is sound. */
export async function integrityCheck(file: string): Promise<string[]> {
  const rows = await querySqlite<{ integrity_check: string }>(file, 'PRAGMA integrity_check');
  return rows.map((r) => r.integrity_check);
}
