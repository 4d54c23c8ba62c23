import { sql } from 'drizzle-orm';
import type { DurableWork } from '../../flows/repositories.ts';
import { enqueueOutbox } from '../../jobs/outbox-store.ts';
import { cancelTimersByPrefix, scheduleTimer, scheduleTimers } from '../../jobs/timer-store.ts';
import type { Db } from '../database.ts';

// The first key of the two-key advisory locks; the second is the helper id's hash. Any constant
// works; it only has to differ from other advisory locks in bangban (none yet).
const ASSIGNMENT_LOCK = 0x62616e67; // 'bang'

/** Timers, outbox and the assignment lock, written through `db` (the caller's transaction). */
export function createDurableWork(db: Db): DurableWork {
  return {
    async scheduleTimer(input) {
      await scheduleTimer(db, input, 'keep');
    },
    async rescheduleTimer(input) {
      await scheduleTimer(db, input, 'replace');
    },
    cancelTimers: (prefix) => cancelTimersByPrefix(db, prefix),
    async enqueueOutbox(input) {
      const { at, ...rest } = input;
      const result = await enqueueOutbox(db, rest, { now: () => at });
      return result.enqueued;
    },
    async scheduleTimers(inputs) {
      if (inputs.length > 0) await scheduleTimers(db, inputs, 'keep');
    },
    async lockAssignments(staffIds) {
      if (staffIds.length === 0) return;
      const ids = sql.join(
        [...new Set(staffIds)].map((id) => sql`${id}`),
        sql`, `,
      );
      // Ordered by the lock key itself, so hash collisions cannot invert the order between two
      // transactions. Re-taking a lock this transaction holds returns at once.
      await db.execute(
        sql`select count(pg_advisory_xact_lock(${ASSIGNMENT_LOCK}, k)) from (select distinct hashtext(s) as k from unnest(array[${ids}]::text[]) as s order by k) as keys`,
      );
    },
  };
}
