import { bigint, check, date, index, pgTable, smallint, text, time, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { isOneOf } from './checks.ts';
import { serviceItems, staff } from './organisation.ts';

export const SHIFT_ROLES = ['primary', 'backup'] as const;
export type ShiftRole = (typeof SHIFT_ROLES)[number];

/** 排班: who helps on an item on a weekday between two Asia/Shanghai wall-clock times. */
export const rotaShifts = pgTable(
  'rota_shifts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    itemId: text('item_id')
      .notNull()
      .references(() => serviceItems.id),
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: smallint('weekday').notNull(),
    /** Wall-clock time in Asia/Shanghai, 'HH:mm:ss'. */
    startsAt: time('starts_at').notNull(),
    endsAt: time('ends_at').notNull(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    role: text('role', { enum: SHIFT_ROLES }).notNull(),
  },
  (t) => [
    index('rota_shifts_item_weekday_idx').on(t.itemId, t.weekday),
    check('rota_shifts_weekday_check', sql`${t.weekday} between 1 and 7`),
    check('rota_shifts_time_order_check', sql`${t.endsAt} > ${t.startsAt}`),
    check('rota_shifts_role_check', isOneOf(t.role, SHIFT_ROLES)),
  ],
);

/** 请假: whole days (inclusive, Asia/Shanghai dates) a staff member is off the rota. */
export const staffLeave = pgTable(
  'staff_leave',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    reason: text('reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('staff_leave_staff_idx').on(t.staffId, t.startsOn),
    check('staff_leave_date_order_check', sql`${t.endsOn} >= ${t.startsOn}`),
  ],
);
