import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { systemClock } from '../clock.ts';
import type { Clock } from '../ports.ts';
import { queryRows, type Db } from '../storage/database.ts';
import { outbox } from '../storage/schema/index.ts';

/** NOTIFY channel: payload is the earliest delivery time in epoch milliseconds. */
export const OUTBOX_CHANNEL = 'bangban_outbox';

export interface EnqueueInput {
  /** Selects the deliverer, e.g. `wecom.send`, `ticket12345.push`. */
  kind: string;
  payload: unknown;
  /** Unique per logical message: enqueueing the same key again does nothing. */
  idempotencyKey: string;
  /** Not before this instant (default: now). */
  notBefore?: Date;
}

/**
 * Adds a message to the outbox in `db` (pass the caller's transaction so the message exists iff
 * the change that caused it commits). Resolves `enqueued: false` if the key was already there.
 */
export async function enqueueOutbox(
  db: Db,
  input: EnqueueInput,
  clock: Clock = systemClock,
): Promise<{ enqueued: boolean }> {
  const notBefore = input.notBefore ?? clock.now();
  const insert = db
    .insert(outbox)
    .values({
      kind: input.kind,
      payload: input.payload,
      idempotencyKey: input.idempotencyKey,
      nextAttemptAt: notBefore,
      createdAt: clock.now(),
    })
    .onConflictDoNothing({ target: outbox.idempotencyKey })
    .returning({ id: outbox.id });
  const rows = await queryRows<{ id: unknown }>(
    db,
    sql`with written as (${insert.getSQL()}) select id, pg_notify(${OUTBOX_CHANNEL}, ${String(notBefore.getTime())}) from written`,
  );
  return { enqueued: rows.length > 0 };
}

export interface ClaimedMessage {
  id: number;
  kind: string;
  payload: unknown;
  idempotencyKey: string;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Claims messages ready at `now`: pending ones whose next attempt is due, and `sending` ones
 * whose holder's lease ran out (it crashed or hung). Marks them `sending` for `owner`.
 */
export async function claimReadyMessages(
  db: Db,
  now: Date,
  limit: number,
  owner: string,
  leaseUntil: Date,
): Promise<ClaimedMessage[]> {
  const ready = or(
    and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)),
    and(eq(outbox.status, 'sending'), lte(outbox.claimedUntil, now)),
  );
  const candidates = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(ready)
    .orderBy(asc(outbox.nextAttemptAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(outbox)
    .set({
      status: 'sending',
      claimedUntil: leaseUntil,
      lockedBy: owner,
      attempts: sql`${outbox.attempts} + 1`,
    })
    .where(inArray(outbox.id, candidates))
    .returning({
      id: outbox.id,
      kind: outbox.kind,
      payload: outbox.payload,
      idempotencyKey: outbox.idempotencyKey,
      attempt: outbox.attempts,
    });
  return rows.sort((a, b) => a.id - b.id);
}

const heldBy = (id: number | number[], owner: string) =>
  and(
    Array.isArray(id) ? inArray(outbox.id, id) : eq(outbox.id, id),
    eq(outbox.lockedBy, owner),
    eq(outbox.status, 'sending'),
  );

export async function markDelivered(db: Db, ids: number[], owner: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ status: 'delivered', deliveredAt: at, claimedUntil: null, lockedBy: null, lastError: null })
    .where(heldBy(ids, owner));
}

export async function markRetry(
  db: Db,
  id: number,
  owner: string,
  error: string,
  retryAt: Date,
): Promise<void> {
  await db
    .update(outbox)
    .set({
      status: 'pending',
      nextAttemptAt: retryAt,
      claimedUntil: null,
      lockedBy: null,
      lastError: error.slice(0, 2000),
    })
    .where(heldBy(id, owner));
}

/** Moves the message to `dead`; false if this owner no longer held it (someone else will decide). */
export async function markDead(db: Db, id: number, owner: string, error: string): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ status: 'dead', claimedUntil: null, lockedBy: null, lastError: error.slice(0, 2000) })
    .where(heldBy(id, owner))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** When the next pending message is due or a `sending` lease runs out. */
export async function nextOutboxReadyAt(db: Db): Promise<Date | null> {
  const [row] = await queryRows<{ next_ms: number | string | null }>(
    db,
    sql`select (extract(epoch from least(
          (select min(next_attempt_at) from outbox where status = 'pending'),
          (select min(claimed_until) from outbox where status = 'sending')
        )) * 1000)::float8 as next_ms`,
  );
  return row?.next_ms == null ? null : new Date(Number(row.next_ms));
}
