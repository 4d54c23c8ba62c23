import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * WeCom channel state (adapters/wecom). Cards: a 接单 card sent to a staff member, so a claim can
 * rewrite it ("已由 张三 接单") with its single-use response_code (valid 72 h, doc 90236).
 * 微信客服: the sync_msg cursor per customer-service account, and per citizen the 48 h / 5-reply
 * window that kf/send_msg allows (protocols §5.8).
 */
export const wecomCards = pgTable(
  'wecom_cards',
  {
    /** task_id: unique per app, never reused. */
    taskId: text('task_id').primaryKey(),
    conversationId: text('conversation_id').notNull(),
    /** The WeCom userid the card went to. */
    userId: text('user_id').notNull(),
    /** From the send response or the latest click; null once spent on an update. */
    responseCode: text('response_code'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('wecom_cards_conversation_user_idx').on(t.conversationId, t.userId)],
);

/** Where kf/sync_msg continues for one 微信客服 account; written after every page. */
export const wecomKfCursors = pgTable('wecom_kf_cursors', {
  openKfId: text('open_kfid').primaryKey(),
  cursor: text('cursor').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A citizen on 微信客服: their account, last message time and replies sent since (≤ 5 in 48 h). */
export const wecomKfCustomers = pgTable('wecom_kf_customers', {
  externalUserId: text('external_userid').primaryKey(),
  openKfId: text('open_kfid').notNull(),
  lastMessageAt: timestamp('last_message_at', { withTimezone: true }).notNull(),
  /** The message that opened the current window (a re-synced copy must not reset the count). */
  lastMsgId: text('last_msgid').notNull(),
  repliesSince: integer('replies_since').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Send slots of WeCom's per-minute limits (30 app messages per member, 20 per group robot), shared
 * by every instance: `limit` rows per key, each holding when it was last used. A send takes a slot
 * last used a minute or more ago (row-locked, SKIP LOCKED), so no sliding minute ever sees more
 * than `limit` sends in total, however many instances send (adapters/wecom/db-rate-window.ts).
 */
export const wecomRateSlots = pgTable(
  'wecom_rate_slots',
  {
    /** `member:<userid>` or `robot:<key hash>` / `chat:<chatid>`. */
    key: text('key').notNull(),
    slot: integer('slot').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.slot] })],
);
