import { check, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { isOneOf } from './checks.ts';
import { conversations } from './conversations.ts';
import { staff } from './organisation.ts';

/*
 * Working state of the helper flow (src/flows) that is not part of the audit trail: what the next
 * citizen reply means, the running SLA cycle, and each staff member's current conversation.
 * The events table stays the record of what happened; these rows only steer what happens next.
 */

/** What a citizen's next message answers, while the conversation is open. */
export const AWAITING_KINDS = ['item_choice', 'bot_feedback'] as const;
export type AwaitingKind = (typeof AWAITING_KINDS)[number];

/** One row per conversation that reached the flow (created lazily). */
export const conversationFlow = pgTable(
  'conversation_flow',
  {
    conversationId: text('conversation_id')
      .primaryKey()
      .references(() => conversations.id),
    awaiting: text('awaiting', { enum: AWAITING_KINDS }),
    /** The KB entry of the last bot answer, for bot_solved / bot_not_solved events. */
    botEntryId: text('bot_entry_id'),
    /** 0 before handoff; +1 for every SLA cycle (handoff, escalation, transfer). Timer keys carry it. */
    slaCycle: integer('sla_cycle').notNull().default(0),
    /** When the first-response clock started (the next opening after the handoff). */
    slaClockStart: timestamp('sla_clock_start', { withTimezone: true }),
    /** When the current cycle breaches; null once a human answered or the conversation closed. */
    slaDueAt: timestamp('sla_due_at', { withTimezone: true }),
    /** Breach reassignments so far (bounded by sla.escalation.maxReassignments). */
    reassignments: integer('reassignments').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('conversation_flow_awaiting_check', isOneOf(t.awaiting, AWAITING_KINDS))],
);

/** A staff member's desk state: the conversation plain replies go to, and recency for assignment. */
export const staffDeskState = pgTable('staff_desk_state', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id, { onDelete: 'cascade' }),
  currentConversationId: text('current_conversation_id').references(() => conversations.id),
  /** Last time the staff member was given a conversation (tie-break: longest idle first). */
  lastAssignedAt: timestamp('last_assigned_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const CITIZEN_PROMPT_KINDS = ['resolve_feedback'] as const;
export type CitizenPromptKind = (typeof CITIZEN_PROMPT_KINDS)[number];

/**
 * A question put to a citizen whose conversation is already closed (“是否解决? 1 / 2” after
 * /resolve): their next message on that channel answers it instead of opening a conversation.
 */
export const citizenPrompts = pgTable(
  'citizen_prompts',
  {
    channel: text('channel').notNull(),
    citizenUserId: text('citizen_user_id').notNull(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    kind: text('kind', { enum: CITIZEN_PROMPT_KINDS }).notNull(),
    askedAt: timestamp('asked_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'citizen_prompts_pkey', columns: [t.channel, t.citizenUserId] }),
    check('citizen_prompts_kind_check', isOneOf(t.kind, CITIZEN_PROMPT_KINDS)),
  ],
);
