import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { isOneOf } from './checks.ts';
import { conversations } from './conversations.ts';
import { serviceItems, staff } from './organisation.ts';

/** Same list as src/flows/hotline-lifecycle.ts (HOTLINE_TICKET_STATUSES). */
export const STORED_HOTLINE_STATUSES = [
  'pending',
  'sent',
  'accepted',
  'in_progress',
  'closed',
  'returned',
  'failed',
] as const;

/**
 * 12345 工单 bangban pushed. `ticket_no` is the agency's own number and the idempotency key sent to
 * 12345; `hotline_no` is the number 12345 gives it. The ticket document as sent is kept in
 * `document` (what 12345 received, for audits); the columns are what bangban queries.
 */
export const hotlineTickets = pgTable(
  'hotline_tickets',
  {
    ticketNo: text('ticket_no').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    /** 1 for the conversation's first push, 2 after a 退单 and a second push … */
    sequence: integer('sequence').notNull(),
    hotlineNo: text('hotline_no'),
    status: text('status', { enum: STORED_HOTLINE_STATUSES }).notNull().default('pending'),
    itemId: text('item_id').references(() => serviceItems.id),
    /** Who pushed it; null for an automatic push. */
    staffId: text('staff_id').references(() => staff.id),
    reason: text('reason').notNull(),
    appealType: text('appeal_type').notNull(),
    urgency: text('urgency').notNull(),
    title: text('title').notNull(),
    document: jsonb('document').notNull(),
    returnReason: text('return_reason'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** When the citizen was told the 12345 number (told once). */
    citizenToldAt: timestamp('citizen_told_at', { withTimezone: true }),
  },
  (t) => [
    check('hotline_tickets_status_check', isOneOf(t.status, STORED_HOTLINE_STATUSES)),
    uniqueIndex('hotline_tickets_conversation_sequence_unique').on(t.conversationId, t.sequence),
    index('hotline_tickets_status_idx').on(t.status, t.createdAt),
    index('hotline_tickets_hotline_no_idx')
      .on(t.hotlineNo)
      .where(sql`${t.hotlineNo} is not null`),
  ],
);

/**
 * Append-only history of each ticket: created, sent, each status callback, failures. A status
 * callback's `dedupe_key` (its event id, or the body hash) is unique, so a repeated callback is
 * recognised and changes nothing.
 */
export const hotlineTicketEvents = pgTable(
  'hotline_ticket_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    ticketNo: text('ticket_no')
      .notNull()
      .references(() => hotlineTickets.ticketNo),
    type: text('type').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    data: jsonb('data').notNull().default({}),
    dedupeKey: text('dedupe_key'),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('hotline_ticket_events_ticket_idx').on(t.ticketNo, t.id),
    uniqueIndex('hotline_ticket_events_dedupe_unique')
      .on(t.dedupeKey)
      .where(sql`${t.dedupeKey} is not null`),
  ],
);
