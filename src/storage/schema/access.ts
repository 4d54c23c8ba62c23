import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { staff } from './organisation.ts';

/** A staff member's desk password (scrypt hash); optional — one-time login tokens also work. */
export const staffCredentials = pgTable('staff_credentials', {
  staffId: text('staff_id')
    .primaryKey()
    .references(() => staff.id, { onDelete: 'cascade' }),
  passwordHash: text('password_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Desk login tokens (one-time, printed by `bangban staff token <id>`) and desk sessions. Only a
 * SHA-256 of the token is stored, so a database dump does not let anyone log in.
 */
export const staffTokens = pgTable(
  'staff_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    /** 'login' tokens are spent on first use; 'session' tokens are the desk's bearer/cookie. */
    kind: text('kind', { enum: ['login', 'session'] }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('staff_tokens_staff_idx').on(t.staffId)],
);

/** A "小申" web widget session: the citizen's identity on the webchat channel. */
export const webchatSessions = pgTable('webchat_sessions', {
  id: text('id').primaryKey(),
  /** SHA-256 of the bearer token handed to the widget. */
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
});
