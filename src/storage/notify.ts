import { sql } from 'drizzle-orm';
import type { Db } from './database.ts';

/**
 * NOTIFY through `db`, which may be a transaction: PostgreSQL (and PGlite) deliver it only when
 * that transaction commits, so listeners never wake for rows they cannot see yet.
 */
export async function notifyIn(db: Db, channel: string, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload})`);
}

/**
 * NOTIFY outside any transaction, coalesced: what is published in one turn of the event loop (a
 * handoff tells the citizen's widget and three desks) goes out as one statement. Each call
 * resolves or fails with its batch.
 */
export function batchedNotify(db: Db): (channel: string, payload: string) => Promise<void> {
  let batch: { channel: string; payload: string }[] = [];
  let flushing: Promise<void> | null = null;
  const flush = async (items: { channel: string; payload: string }[]): Promise<void> => {
    const calls = sql.join(
      items.map((item) => sql`pg_notify(${item.channel}, ${item.payload})`),
      sql`, `,
    );
    await db.execute(sql`select ${calls}`);
  };
  return (channel, payload) => {
    batch.push({ channel, payload });
    flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const items = batch;
      batch = [];
      flushing = null;
      return flush(items);
    });
    return flushing;
  };
}
