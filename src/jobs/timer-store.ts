import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../storage/database.ts';
import { timers } from '../storage/schema/index.ts';

/** NOTIFY channel: payload is the due time in epoch milliseconds. */
export const TIMERS_CHANNEL = 'bangban_timers';

export interface ScheduleTimerInput {
  /** Unique for the timer's whole life, e.g. `sla:remind30:<conversationId>`. */
  key: string;
  /** Selects the handler. */
  kind: string;
  dueAt: Date;
  /** Stored as jsonb; default `{}`. */
  payload?: unknown;
}

/**
 * `keep` (default): the first schedule of a key wins and a key never fires twice, even after it
 * fired or was cancelled — safe for retried work. `replace`: re-arm the key with the new due
 * time and payload whatever its state (e.g. push an inactivity deadline on each message).
 */
export type ScheduleMode = 'keep' | 'replace';

/**
 * Inserts the timer in `db` (a transaction if the caller has one) and NOTIFYs runners, which
 * hear it when that transaction commits. Resolves `scheduled: false` when `keep` found the key.
 */
export async function scheduleTimer(
  db: Db,
  input: ScheduleTimerInput,
  mode: ScheduleMode = 'keep',
): Promise<{ scheduled: boolean }> {
  const { scheduled } = await scheduleTimers(db, [input], mode);
  return { scheduled: scheduled > 0 };
}

/**
 * Several timers in one statement (e.g. a handoff's 30 s and 50 s reminders and 60 s breach).
 * A key repeated in `inputs` counts once (`keep`: the first, `replace`: the last).
 */
export async function scheduleTimers(
  db: Db,
  inputs: readonly ScheduleTimerInput[],
  mode: ScheduleMode = 'keep',
): Promise<{ scheduled: number }> {
  const byKey = new Map<string, ScheduleTimerInput>();
  for (const input of inputs) if (mode === 'replace' || !byKey.has(input.key)) byKey.set(input.key, input);
  if (byKey.size === 0) return { scheduled: 0 };
  const values = [...byKey.values()].map((input) => ({
    key: input.key,
    kind: input.kind,
    dueAt: input.dueAt,
    payload: input.payload ?? {},
  }));
  const insert = db.insert(timers).values(values);
  const upsert =
    mode === 'keep'
      ? insert.onConflictDoNothing({ target: timers.key })
      : insert.onConflictDoUpdate({
          target: timers.key,
          set: {
            kind: sql.raw('excluded.kind'),
            dueAt: sql.raw('excluded.due_at'),
            payload: sql.raw('excluded.payload'),
            status: 'pending',
            attempts: 0,
            claimedUntil: null,
            lockedBy: null,
            lastError: null,
            firedAt: null,
          },
        });
  // One round trip: the NOTIFY (earliest due time written) rides on the insert, and is sent only
  // if a row was written.
  const rows = await queryRows<{ scheduled: number }>(
    db,
    sql`with written as (${upsert.returning({ dueAt: timers.dueAt }).getSQL()})
        select count(*)::int as scheduled,
               pg_notify(${TIMERS_CHANNEL}, floor(extract(epoch from min(due_at)) * 1000)::bigint::text)
        from written having count(*) > 0`,
  );
  return { scheduled: rows[0]?.scheduled ?? 0 };
}

/** Cancels a pending timer; false if it had fired, was cancelled, or never existed. */
export async function cancelTimer(db: Db, key: string): Promise<boolean> {
  const rows = await db
    .update(timers)
    .set({ status: 'cancelled', claimedUntil: null, lockedBy: null })
    .where(and(eq(timers.key, key), eq(timers.status, 'pending')))
    .returning({ id: timers.id });
  return rows.length > 0;
}

/** Cancels every pending timer whose key starts with `prefix` (e.g. `sla:<conversationId>:`). */
export async function cancelTimersByPrefix(db: Db, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('cancelTimersByPrefix needs a non-empty prefix');
  const rows = await db
    .update(timers)
    .set({ status: 'cancelled', claimedUntil: null, lockedBy: null })
    .where(and(eq(timers.status, 'pending'), sql`starts_with(${timers.key}, ${prefix})`))
    .returning({ id: timers.id });
  return rows.length;
}

export interface ClaimedTimer {
  id: number;
  key: string;
  kind: string;
  payload: unknown;
  dueAt: Date;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Claims due timers for `owner` until `leaseUntil`. A pending row with a future claimed_until is
 * either being fired (lease) or waiting to retry; once that time passes anyone may claim it, which
 * is how a crashed instance's timers are recovered. SKIP LOCKED lets instances claim side by side.
 */
export async function claimDueTimers(
  db: Db,
  now: Date,
  limit: number,
  owner: string,
  leaseUntil: Date,
): Promise<ClaimedTimer[]> {
  const ready = and(
    eq(timers.status, 'pending'),
    lte(timers.dueAt, now),
    or(isNull(timers.claimedUntil), lte(timers.claimedUntil, now)),
  );
  const candidates = db
    .select({ id: timers.id })
    .from(timers)
    .where(ready)
    .orderBy(asc(timers.dueAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(timers)
    .set({ claimedUntil: leaseUntil, lockedBy: owner, attempts: sql`${timers.attempts} + 1` })
    .where(inArray(timers.id, candidates))
    .returning({
      id: timers.id,
      key: timers.key,
      kind: timers.kind,
      payload: timers.payload,
      dueAt: timers.dueAt,
      attempt: timers.attempts,
    });
  return rows.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** Marks timers fired if this owner still holds them (a lost lease leaves them to the new owner). */
export async function markTimersFired(db: Db, ids: number[], owner: string, firedAt: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(timers)
    .set({ status: 'fired', firedAt, claimedUntil: null, lockedBy: null, lastError: null })
    .where(and(inArray(timers.id, ids), eq(timers.lockedBy, owner), eq(timers.status, 'pending')));
}

/** Releases a failed timer: retry at `retryAt`, or give up (`failed`) when `retryAt` is null. */
export async function markTimerFailed(
  db: Db,
  id: number,
  owner: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  const outcome = retryAt ? { claimedUntil: retryAt } : { status: 'failed' as const, claimedUntil: null };
  await db
    .update(timers)
    .set({ lockedBy: null, lastError: error.slice(0, 2000), ...outcome })
    .where(and(eq(timers.id, id), eq(timers.lockedBy, owner), eq(timers.status, 'pending')));
}

/** When the next pending timer is due or a claimed one frees up (lease end or retry time). */
export async function nextTimerReadyAt(db: Db): Promise<Date | null> {
  const [row] = await queryRows<{ next_ms: number | string | null }>(
    db,
    sql`select (extract(epoch from least(
          (select min(due_at) from timers where status = 'pending' and claimed_until is null),
          (select min(claimed_until) from timers where status = 'pending' and claimed_until is not null)
        )) * 1000)::float8 as next_ms`,
  );
  return row?.next_ms == null ? null : new Date(Number(row.next_ms));
}
