import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { isOneOf } from './checks.ts';
import { serviceItems, staff } from './organisation.ts';

/** Same list as src/core/conversation-state.ts (a storage test keeps them equal). */
export const CONVERSATION_STATES = [
  'bot',
  'queued',
  'assigned',
  'active',
  'resolved',
  'pushed_12345',
  'abandoned',
] as const;
export type StoredConversationState = (typeof CONVERSATION_STATES)[number];
const OPEN_STATES_SQL = sql.raw(`'bot', 'queued', 'assigned', 'active'`);

export const MESSAGE_DIRECTIONS = ['in', 'out'] as const;
export const SENDER_KINDS = ['citizen', 'bot', 'staff', 'system'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];
export const MESSAGE_KINDS = [
  'text',
  'image',
  'voice',
  'video',
  'file',
  'location',
  'link',
  'event',
] as const;

/** 帮办会话: one citizen's conversation about one service item, from the bot to closing. */
export const conversations = pgTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    /** Short handle staff type in work chat (`#K7Q2`); unique for all time. */
    code: text('code').notNull().unique('conversations_code_unique'),
    channel: text('channel').notNull(),
    /** The citizen's id on that channel (openid, webchat session id …). */
    citizenUserId: text('citizen_user_id').notNull(),
    itemId: text('item_id').references(() => serviceItems.id),
    state: text('state', { enum: CONVERSATION_STATES }).notNull().default('bot'),
    assigneeId: text('assignee_id').references(() => staff.id),
    rating: smallint('rating'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    handoffAt: timestamp('handoff_at', { withTimezone: true }),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    firstHumanResponseAt: timestamp('first_human_response_at', { withTimezone: true }),
    /** When it reached resolved, pushed_12345 or abandoned. */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
  },
  (t) => [
    check('conversations_state_check', isOneOf(t.state, CONVERSATION_STATES)),
    // A retried callback must find the citizen's open conversation, never start a second one.
    uniqueIndex('conversations_one_open_per_citizen')
      .on(t.channel, t.citizenUserId)
      .where(sql`${t.state} in (${OPEN_STATES_SQL})`),
    index('conversations_state_idx').on(t.state, t.createdAt),
    index('conversations_assignee_idx').on(t.assigneeId, t.state),
    index('conversations_created_idx').on(t.createdAt),
  ],
);

/** Every message in or out of a conversation, in order of `id`. */
export const messages = pgTable(
  'messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    direction: text('direction', { enum: MESSAGE_DIRECTIONS }).notNull(),
    senderKind: text('sender_kind', { enum: SENDER_KINDS }).notNull(),
    staffId: text('staff_id').references(() => staff.id),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull().default('text'),
    body: text('body').notNull().default(''),
    mediaRef: text('media_ref'),
    /** The platform's message id, as a string (WeChat MsgId exceeds 2^53). */
    externalId: text('external_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.id),
    check('messages_direction_check', isOneOf(t.direction, MESSAGE_DIRECTIONS)),
    check('messages_sender_kind_check', isOneOf(t.senderKind, SENDER_KINDS)),
    check('messages_kind_check', isOneOf(t.kind, MESSAGE_KINDS)),
  ],
);

/**
 * The audit trail: one row per thing that happened to a conversation. Append-only — a trigger
 * (migration 0001) rejects UPDATE and DELETE. Every metric is computed from these rows.
 */
export const conversationEvents = pgTable(
  'conversation_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    type: text('type').notNull(),
    actorKind: text('actor_kind', { enum: SENDER_KINDS }).notNull(),
    actorId: text('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('conversation_events_conversation_idx').on(t.conversationId, t.id),
    index('conversation_events_type_at_idx').on(t.type, t.at),
    check('conversation_events_actor_kind_check', isOneOf(t.actorKind, SENDER_KINDS)),
  ],
);
