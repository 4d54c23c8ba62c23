import { bigint, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { isOneOf } from './checks.ts';

/** Why a reply did not reach the citizen on WeChat. */
export const WECHAT_OA_UNDELIVERED_REASONS = [
  'window_closed',
  'reply_limit',
  'unsubscribed',
  'unknown_citizen',
  'api_refused',
] as const;
export type WechatOaUndeliveredReason = (typeof WECHAT_OA_UNDELIVERED_REASONS)[number];

/**
 * WeChat Official Account (公众号) channel state (adapters/wechat-oa). Per citizen (openid) the
 * customer-service window message/custom/send allows (protocols §6.6): a message opens 48 h with 5
 * replies, a menu click or a subscribe 1 min with 3. Undelivered replies are kept per conversation,
 * so a helper (and an audit) can see that the citizen could not be reached on WeChat.
 */
export const wechatOaCitizens = pgTable('wechat_oa_citizens', {
  openId: text('openid').primaryKey(),
  /** The end of the current customer-service window. */
  windowUntil: timestamp('window_until', { withTimezone: true }).notNull(),
  /** Custom messages still allowed inside it. */
  repliesLeft: integer('replies_left').notNull(),
  /** What opened the window: the message's dedupe key (a WeChat retry must not reset the count). */
  openedBy: text('opened_by').notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
  /** Set by an `unsubscribe` event, cleared by the next subscribe or message. */
  unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A reply that could not reach the citizen on WeChat, and why. */
export const wechatOaUndelivered = pgTable(
  'wechat_oa_undelivered',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    conversationId: text('conversation_id').notNull(),
    openId: text('openid').notNull(),
    reason: text('reason').notNull(),
    /** WeChat's errcode when the API refused (45015, 45047, 43004 …). */
    errcode: integer('errcode'),
    /** text | image | voice | video | file */
    messageKind: text('message_kind').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('wechat_oa_undelivered_conversation_idx').on(t.conversationId),
    check('wechat_oa_undelivered_reason_check', isOneOf(t.reason, WECHAT_OA_UNDELIVERED_REASONS)),
  ],
);
