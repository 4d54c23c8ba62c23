import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * DingTalk channel state (adapters/dingtalk). Session webhooks: every robot message carries a
 * `sessionWebhook` valid for about 90 minutes (protocols/dingtalk.md §4); replies go through the
 * latest valid one (it supports @), otherwise through the robot APIs. Robot pauses: a custom group
 * robot that hit DingTalk's 20/min throttle is blocked for 10 minutes, during which its group posts
 * take the app robot instead.
 */
export const dingtalkSessions = pgTable('dingtalk_sessions', {
  /** `user:<userid>` for a single chat with the robot, `group:<openConversationId>` for a group. */
  sessionKey: text('session_key').primaryKey(),
  webhook: text('webhook').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const dingtalkRobotPauses = pgTable('dingtalk_robot_pauses', {
  /** The service item whose custom robot is paused. */
  itemId: text('item_id').primaryKey(),
  pausedUntil: timestamp('paused_until', { withTimezone: true }).notNull(),
  reason: text('reason').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
