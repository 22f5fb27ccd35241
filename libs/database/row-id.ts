/** The largest id a row can have on SQLite and Postgres alike (a 32-bit integer column). */
export const MAX_ROW_ID = 2 ** 31 - 1;

/** Whether a number can be a row's id: a whole number from 1 to `MAX_ROW_ID`. */
export function isRowId(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_ROW_ID;
}
