import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { isOneOf } from './checks.ts';

/**
 * Rows that make work survive a crash (ARCHITECTURE.md §6): the inbox dedupes what platforms
 * send, the outbox retries what we send, timers fire what is due. src/jobs runs the last two.
 */

/** Every platform callback, stored before it is acknowledged; (channel, external_id) dedupes retries. */
export const inbox = pgTable(
  'inbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    error: text('error'),
  },
  (t) => [
    unique('inbox_channel_external_id_unique').on(t.channel, t.externalId),
    index('inbox_unprocessed_idx')
      .on(t.receivedAt)
      .where(sql`${t.processedAt} is null`),
  ],
);

export const OUTBOX_STATUSES = ['pending', 'sending', 'delivered', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** Messages to platforms and 12345, delivered at least once, deduped by idempotency_key. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique('outbox_idempotency_key_unique'),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** Lease: while in the future, the instance in locked_by owns the row. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('outbox_status_next_attempt_idx').on(t.status, t.nextAttemptAt),
    check('outbox_status_check', isOneOf(t.status, OUTBOX_STATUSES)),
  ],
);

/** `failed`: gave up after the runner's maxAttempts; last_error says why. */
export const TIMER_STATUSES = ['pending', 'fired', 'cancelled', 'failed'] as const;
export type TimerStatus = (typeof TIMER_STATUSES)[number];

/** Durable timers (SLA reminders, abandonment, digests), each fired once in effect per key. */
export const timers = pgTable(
  'timers',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    key: text('key').notNull().unique('timers_key_unique'),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default({}),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: TIMER_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Lease while firing, or the earliest retry time after a failed attempt. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('timers_status_due_idx').on(t.status, t.dueAt),
    // Few rows (those being fired or waiting to retry): finds the next lease expiry cheaply.
    index('timers_claimed_idx')
      .on(t.claimedUntil)
      .where(sql`${t.status} = 'pending' and ${t.claimedUntil} is not null`),
    check('timers_status_check', isOneOf(t.status, TIMER_STATUSES)),
  ],
);
