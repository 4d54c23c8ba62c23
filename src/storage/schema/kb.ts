import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { KB_COLUMNS, KB_STATUSES } from '../../core/kb-vocabulary.ts';
import { isOneOf } from './checks.ts';

/** Why a question landed in the gap backlog (the bot's handoff reasons plus the citizen's "2 not solved"). */
export const KB_GAP_REASONS = [
  'low_confidence',
  'ambiguous',
  'needs_confirmation',
  'out_of_scope',
  'not_solved',
] as const;
export type KbGapReason = (typeof KB_GAP_REASONS)[number];
export const KB_GAP_STATUSES = ['open', 'closed'] as const;
export type KbGapStatus = (typeof KB_GAP_STATUSES)[number];

/**
 * 知识库条目: the current version of each KB entry. `item` is a service item id or `general`
 * (not a foreign key: `general` is no service item, and entries may be imported before the config
 * lists an item). Every change bumps `version` and writes a kb_entry_versions row.
 */
export const kbEntries = pgTable(
  'kb_entries',
  {
    id: text('id').primaryKey(),
    column: text('column').notNull(),
    item: text('item').notNull(),
    title: text('title').notNull(),
    questions: text('questions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    answer: text('answer').notNull(),
    keywords: text('keywords')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    source: text('source').notNull(),
    sourceUrl: text('source_url'),
    effectiveDate: date('effective_date', { mode: 'string' }),
    publishDate: date('publish_date', { mode: 'string' }),
    status: text('status', { enum: KB_STATUSES }).notNull(),
    maintainer: text('maintainer').notNull(),
    needsConfirmation: boolean('needs_confirmation').notNull().default(false),
    facts: text('facts')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    check('kb_entries_column_check', isOneOf(t.column, KB_COLUMNS)),
    check('kb_entries_status_check', isOneOf(t.status, KB_STATUSES)),
    check('kb_entries_version_check', sql`${t.version} >= 1`),
    index('kb_entries_status_item_idx').on(t.status, t.item),
  ],
);

/** 修订记录: every version of every entry, who made it, when, and which fields changed. */
export const kbEntryVersions = pgTable(
  'kb_entry_versions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    entryId: text('entry_id')
      .notNull()
      .references(() => kbEntries.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The whole entry as written (the `KbEntry` shape of src/kb/entry.ts). */
    snapshot: jsonb('snapshot').notNull(),
    /** Field names that differ from the previous version; every field for version 1. */
    changedFields: text('changed_fields').array().notNull(),
    /** One line for people: `created`, `updated: answer, keywords`, `status: published → retired`. */
    summary: text('summary').notNull(),
    changedBy: text('changed_by').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('kb_entry_versions_entry_version_unique').on(t.entryId, t.version)],
);

/**
 * 知识库缺口: a group of near-duplicate questions the bot could not answer (or that citizens said
 * were not solved), due for a maintainer within 5 working days of the first occurrence. Closed by
 * linking the entry that now answers it. Each occurrence is kept in kb_gap_occurrences.
 */
export const kbGaps = pgTable(
  'kb_gaps',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The first wording seen. */
    question: text('question').notNull(),
    /** The grouping form of `question` (src/kb/gap-similarity.ts). */
    normalizedQuestion: text('normalized_question').notNull(),
    item: text('item').notNull(),
    /** Conversation of the first occurrence; not a foreign key, `kb ask` and tests have none. */
    conversationId: text('conversation_id'),
    reason: text('reason', { enum: KB_GAP_REASONS }).notNull(),
    occurrences: integer('occurrences').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: KB_GAP_STATUSES }).notNull().default('open'),
    closedBy: text('closed_by'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    answerEntryId: text('answer_entry_id').references(() => kbEntries.id),
  },
  (t) => [
    check('kb_gaps_reason_check', isOneOf(t.reason, KB_GAP_REASONS)),
    check('kb_gaps_status_check', isOneOf(t.status, KB_GAP_STATUSES)),
    check('kb_gaps_occurrences_check', sql`${t.occurrences} >= 1`),
    // A closed gap always names who closed it, when, and the entry that answers it.
    check(
      'kb_gaps_closed_check',
      sql`(${t.status} = 'open') = (${t.closedAt} is null and ${t.closedBy} is null and ${t.answerEntryId} is null)`,
    ),
    index('kb_gaps_status_item_idx').on(t.status, t.item),
    index('kb_gaps_status_due_idx').on(t.status, t.dueAt),
  ],
);

/** Every time a question was added to a gap: its own wording, conversation and reason. */
export const kbGapOccurrences = pgTable(
  'kb_gap_occurrences',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    gapId: bigint('gap_id', { mode: 'number' })
      .notNull()
      .references(() => kbGaps.id, { onDelete: 'cascade' }),
    question: text('question').notNull(),
    conversationId: text('conversation_id'),
    reason: text('reason', { enum: KB_GAP_REASONS }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('kb_gap_occurrences_reason_check', isOneOf(t.reason, KB_GAP_REASONS)),
    index('kb_gap_occurrences_gap_idx').on(t.gapId),
  ],
);
