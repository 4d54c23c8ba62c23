import { sql } from 'drizzle-orm';
import type { DurableWork } from '../../flows/repositories.ts';
import { enqueueOutbox } from '../../jobs/outbox-store.ts';
import { cancelTimersByPrefix, scheduleTimer } from '../../jobs/timer-store.ts';
import type { Db } from '../database.ts';

// Any constant works; it only has to differ from other advisory locks in bangban (none yet).
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
    async lockAssignments() {
      await db.execute(sql`select pg_advisory_xact_lock(${ASSIGNMENT_LOCK})`);
    },
  };
}
