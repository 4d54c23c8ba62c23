import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { InboxRepository } from '../../flows/repositories.ts';
import { namedStatement, pgErrorCode, type Db } from '../database.ts';
import { inbox } from '../schema/index.ts';

export function createInboxRepository(db: Db): InboxRepository {
  return {
    async insert(entry) {
      const inserted = await db
        .insert(inbox)
        .values({
          channel: entry.channel,
          externalId: entry.externalId,
          payload: entry.payload,
          receivedAt: entry.at,
        })
        .onConflictDoNothing({ target: [inbox.channel, inbox.externalId] })
        .returning({ id: inbox.id });
      if (inserted[0]) return { id: inserted[0].id, duplicate: false };
      const [existing] = await db
        .select({ id: inbox.id })
        .from(inbox)
        .where(and(eq(inbox.channel, entry.channel), eq(inbox.externalId, entry.externalId)));
      if (!existing)
        throw new Error(`inbox row ${entry.channel}/${entry.externalId} conflicted but cannot be read`);
      return { id: existing.id, duplicate: true };
    },

    async lockUnprocessed(id) {
      const [row] = await db
        .select({ id: inbox.id, payload: inbox.payload })
        .from(inbox)
        .where(and(eq(inbox.id, id), isNull(inbox.processedAt)))
        .for('update');
      return row ?? null;
    },

    async takeUnprocessed(id, at) {
      const [row] = await db
        .update(inbox)
        .set({ processedAt: at, error: null })
        .where(and(eq(inbox.id, id), isNull(inbox.processedAt)))
        .returning({ id: inbox.id, payload: inbox.payload });
      return row ?? null;
    },

    async markProcessed(id, at) {
      await db.update(inbox).set({ processedAt: at, error: null }).where(eq(inbox.id, id));
    },

    async recordError(id, message) {
      await db
        .update(inbox)
        .set({ error: message.slice(0, 2000) })
        .where(eq(inbox.id, id));
    },

    async unprocessedIds(limit) {
      const rows = await db
        .select({ id: inbox.id })
        .from(inbox)
        .where(isNull(inbox.processedAt))
        .orderBy(asc(inbox.id))
        .limit(limit);
      return rows.map((row) => row.id);
    },
  };
}

type InboxEntry = Parameters<InboxRepository['insert']>[0];
type InboxResult = Awaited<ReturnType<InboxRepository['insert']>>;

/** Most rows one insert statement takes; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * `insert` for callbacks arriving side by side (group commit): rows that come in while a statement
 * is on its way are written together by the next one — one multi-row insert plus, only if some
 * were already there, one lookup of their ids. The same message twice in one batch is stored once;
 * the later copies answer `duplicate` like a later delivery would. Outside transactions only.
 */
export function batchedInboxInsert(db: Db): InboxRepository['insert'] {
  let waiting: { entry: InboxEntry; resolve(r: InboxResult): void; reject(e: unknown): void }[] = [];
  let running = false;
  // One JSON parameter whatever the batch size: one statement text, prepared once per connection,
  // and one JSON.stringify per batch (text[] parameters would be escaped element by element). A
  // JSON null payload reads back as SQL NULL from the recordset, hence the coalesce.
  const insertRows = namedStatement<{ id: number | string; channel: string; externalId: string }>(
    db,
    'bangban_inbox_insert',
    `insert into inbox (channel, external_id, payload, received_at)
     select r.channel, r.external_id, coalesce(r.payload, 'null'::jsonb), r.received_at
     from json_to_recordset($1::json) as r(channel text, external_id text, payload jsonb, received_at timestamptz)
     on conflict (channel, external_id) do nothing
     returning id, channel, external_id as "externalId"`,
  );

  const write = async (batch: typeof waiting): Promise<void> => {
    const keyOf = (entry: { channel: string; externalId: string }) =>
      `${entry.channel}\u0000${entry.externalId}`;
    const first = new Map<string, InboxEntry>();
    for (const { entry } of batch) if (!first.has(keyOf(entry))) first.set(keyOf(entry), entry);
    const rows = [...first.values()];
    const inserted = await insertRows([
      JSON.stringify(
        rows.map((e) => ({
          channel: e.channel,
          external_id: e.externalId,
          payload: e.payload,
          received_at: e.at.toISOString(),
        })),
      ),
    ]);
    const ids = new Map<string, { id: number; fresh: boolean }>();
    // bigint ids come back as strings from a raw query (ids stay below 2^53).
    for (const row of inserted) ids.set(keyOf(row), { id: Number(row.id), fresh: true });
    const existing = [...first.values()].filter((entry) => !ids.has(keyOf(entry)));
    if (existing.length > 0) {
      const rows = await db
        .select({ id: inbox.id, channel: inbox.channel, externalId: inbox.externalId })
        .from(inbox)
        .where(
          or(...existing.map((e) => and(eq(inbox.channel, e.channel), eq(inbox.externalId, e.externalId)))),
        );
      for (const row of rows) ids.set(keyOf(row), { id: row.id, fresh: false });
    }
    const answered = new Set<string>();
    for (const { entry, resolve, reject } of batch) {
      const key = keyOf(entry);
      const found = ids.get(key);
      if (!found) {
        reject(new Error(`inbox row ${entry.channel}/${entry.externalId} conflicted but cannot be read`));
        continue;
      }
      resolve({ id: found.id, duplicate: !found.fresh || answered.has(key) });
      answered.add(key);
    }
  };

  const drain = async (): Promise<void> => {
    running = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      try {
        await write(batch);
      } catch (error) {
        // A row PostgreSQL refuses (SQLSTATE class 22, data exception) fails only itself: the
        // others are written one by one. Any other failure (connection, server) fails them all,
        // without a statement per row against a database that is struggling already.
        if (batch.length === 1 || !pgErrorCode(error)?.startsWith('22')) {
          for (const item of batch) item.reject(error);
          continue;
        }
        for (const item of batch) {
          try {
            await write([item]);
          } catch (alone) {
            item.reject(alone);
          }
        }
      }
    }
    running = false;
  };

  return (entry) =>
    new Promise<InboxResult>((resolve, reject) => {
      waiting.push({ entry, resolve, reject });
      if (!running) void drain();
    });
}
