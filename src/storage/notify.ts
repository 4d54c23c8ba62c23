import { sql } from 'drizzle-orm';
import type { Db } from './database.ts';

/**
 * NOTIFY through `db`, which may be a transaction: PostgreSQL (and PGlite) deliver it only when
 * that transaction commits, so listeners never wake for rows they cannot see yet.
 */
export async function notifyIn(db: Db, channel: string, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload})`);
}
