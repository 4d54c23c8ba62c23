/**
 * The whole database schema. Conventions:
 * - Entities people name (departments, items, staff, conversations) have text ids: fixed slugs
 *   from config (`drug-reg`) or random UUIDs made by the caller for conversations.
 * - Log and queue rows (messages, events, inbox, outbox, timers, shifts, leave) have
 *   `bigint generated always as identity` ids, which also give insertion order.
 * - Every instant is `timestamptz`; business dates (leave) are `date` strings in Asia/Shanghai.
 * - Closed value lists are text columns with a CHECK constraint (cheaper to extend than enums).
 *
 * drizzle.config.ts reads every file in this folder; a new area (e.g. kb.ts) must also be
 * re-exported here so `Database['db']` knows its tables.
 */
export * from './organisation.ts';
export * from './rota.ts';
export * from './conversations.ts';
export * from './durable-work.ts';
export * from './access.ts';
export * from './kb.ts';
export * from './wecom.ts';
export * from './dingtalk.ts';
export * from './wechat-oa.ts';
export * from './hotline.ts';
