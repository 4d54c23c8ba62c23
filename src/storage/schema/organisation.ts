import { sql } from 'drizzle-orm';
import { boolean, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** 处室: a department that owns service items (ids such as `drug-reg`, fixed in config). */
export const departments = pgTable('departments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** 事项: a service item with online human help (ids such as `device-registration`). */
export const serviceItems = pgTable('service_items', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  departmentId: text('department_id')
    .notNull()
    .references(() => departments.id),
  onlineHelp: boolean('online_help').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** 帮办人员 and everyone else with a role (helper, backup, expert, supervisor, admin …). */
export const staff = pgTable('staff', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  departmentId: text('department_id').references(() => departments.id),
  roles: text('roles')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A staff member's user id on one work-chat channel (WeCom userid, DingTalk userid). */
export const staffIdentities = pgTable(
  'staff_identities',
  {
    channel: text('channel').notNull(),
    externalUserId: text('external_user_id').notNull(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // An incoming work-chat message must map to exactly one staff member.
    primaryKey({ name: 'staff_identities_pkey', columns: [t.channel, t.externalUserId] }),
    unique('staff_identities_staff_channel_unique').on(t.staffId, t.channel),
  ],
);
