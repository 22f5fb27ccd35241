import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import type { AfterQueryEvent } from 'typeorm/subscriber/event/QueryEvent';

/** The SQL statements a piece of work sent to the database, and the rows they returned. */
export interface QueryCount {
  queries: number;
  rows: number;
  statements: string[];
}

/**
 * Counts the queries (and the rows they return) that one call sends through a DataSource, with a
 * TypeORM subscriber on its after-query event. Not a timing: the same work gives the same count.
 */
export async function countQueries(source: DataSource, work: () => Promise<unknown>): Promise<QueryCount> {
  const count: QueryCount = { queries: 0, rows: 0, statements: [] };
  const subscriber: EntitySubscriberInterface = {
    afterQuery(event: AfterQueryEvent<unknown>) {
      count.queries++;
      count.statements.push(event.query);
      if (Array.isArray(event.rawResults)) count.rows += (event.rawResults as unknown[]).length;
    },
  };
  source.subscribers.push(subscriber);
  try {
    await work();
  } finally {
    source.subscribers.splice(source.subscribers.indexOf(subscriber), 1);
  }
  return count;
}
