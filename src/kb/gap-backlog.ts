/**
 * 知识库缺口台账: questions the bot could not answer (or answered without solving), grouped when
 * near-duplicate, each group due for a maintainer within 5 working days of its first occurrence
 * and closed by linking the KB entry that now answers it.
 */
import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { systemClock } from '../clock.ts';
import type { WorkCalendar } from '../core/calendar.ts';
import { AppError, isAppError } from '../core/errors.ts';
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import {
  kbEntries,
  kbGapOccurrences,
  kbGaps,
  type KbGapReason,
  type KbGapStatus,
} from '../storage/schema/index.ts';
import { closestGroup, normaliseQuestion } from './gap-similarity.ts';

export { KB_GAP_REASONS, type KbGapReason, type KbGapStatus } from '../storage/schema/index.ts';

/** Working days a maintainer has to answer a gap (R-kb-gap in ARCHITECTURE.md). */
export const GAP_DUE_WORKDAYS = 5;
/** A 10 000-character paste is kept to this length; its start is what a maintainer needs. */
export const MAX_GAP_QUESTION_CHARS = 2000;
// Two int keys: this number for "KB gaps", hashtext(item) for the item; recordGap holds it to commit.
const GAP_LOCK_KEY = 4_242_102;

export type KbGap = typeof kbGaps.$inferSelect;
export type KbGapOccurrence = typeof kbGapOccurrences.$inferSelect;

export interface GapInput {
  question: string;
  /** Service item of the conversation; `general` when unknown (the default). */
  item?: string;
  conversationId?: string | null;
  reason: KbGapReason;
}

export interface GapOptions {
  clock: Clock;
  calendar: WorkCalendar;
}

/**
 * Records one unanswered question. A near-duplicate of an open gap of the same item (see
 * gap-similarity.ts) adds an occurrence to that gap (`grouped: true`, its due date unchanged);
 * otherwise a new gap opens, due at the end of the 5th working day after today (Asia/Shanghai).
 * Throws calendar_data_missing, naming the question, when that date needs a year the calendar lacks.
 */
export async function recordGap(
  db: Db,
  input: GapInput,
  options: GapOptions,
): Promise<{ gap: KbGap; grouped: boolean }> {
  const question = clip(input.question.trim());
  const normalizedQuestion = normaliseQuestion(question);
  if (normalizedQuestion === '') {
    throw new AppError('validation_failed', 'a KB gap needs a question with at least one letter or digit', {
      details: { field: 'question' },
    });
  }
  const item = input.item ?? 'general';
  const now = options.clock.now();
  const occurrence = {
    question,
    conversationId: input.conversationId ?? null,
    reason: input.reason,
    occurredAt: now,
  };

  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${GAP_LOCK_KEY}, hashtext(${item}))`);
    const open = await tx
      .select({ id: kbGaps.id, normalizedQuestion: kbGaps.normalizedQuestion })
      .from(kbGaps)
      .where(and(eq(kbGaps.status, 'open'), eq(kbGaps.item, item)));
    const match = closestGroup(normalizedQuestion, open);
    if (match) {
      const [gap] = await tx
        .update(kbGaps)
        .set({ occurrences: sql`${kbGaps.occurrences} + 1`, lastSeenAt: now })
        .where(eq(kbGaps.id, match.id))
        .returning();
      await tx.insert(kbGapOccurrences).values({ gapId: match.id, ...occurrence });
      return { gap: gap!, grouped: true };
    }
    const [gap] = await tx
      .insert(kbGaps)
      .values({
        ...occurrence,
        normalizedQuestion,
        item,
        createdAt: now,
        lastSeenAt: now,
        dueAt: dueDate(now, question, options.calendar),
      })
      .returning();
    await tx.insert(kbGapOccurrences).values({ gapId: gap!.id, ...occurrence });
    return { gap: gap!, grouped: false };
  });
}

function dueDate(now: Date, question: string, calendar: WorkCalendar): Date {
  try {
    return calendar.deadlineAfterWorkdays(now, GAP_DUE_WORKDAYS);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'calendar_data_missing') throw error;
    throw new AppError(
      'calendar_data_missing',
      `cannot set the due date of the KB gap "${clip(question, 40)}": ${error.message}`,
      {
        cause: error,
        details: error.details,
      },
    );
  }
}

function clip(text: string, max = MAX_GAP_QUESTION_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/**
 * Closes an open gap with the entry that answers it. not_found for an unknown gap or entry;
 * conflict when the gap is already closed (the message says by whom and with which entry).
 */
export async function closeGap(
  db: Db,
  gapId: number,
  entryId: string,
  actor: string,
  options: { clock?: Clock } = {},
): Promise<KbGap> {
  return db.transaction(async (tx) => {
    const [gap] = await tx.select().from(kbGaps).where(eq(kbGaps.id, gapId)).for('update');
    if (!gap) throw new AppError('not_found', `no KB gap #${gapId}`, { details: { gapId } });
    const [entry] = await tx.select({ id: kbEntries.id }).from(kbEntries).where(eq(kbEntries.id, entryId));
    if (!entry)
      throw new AppError('not_found', `no KB entry with id "${entryId}" to close gap #${gapId} with`, {
        details: { gapId, entryId },
      });
    if (gap.status === 'closed') {
      throw new AppError(
        'conflict',
        `KB gap #${gapId} was already closed by ${gap.closedBy} with entry "${gap.answerEntryId}"`,
        {
          details: { gapId, closedBy: gap.closedBy, answerEntryId: gap.answerEntryId },
        },
      );
    }
    const [closed] = await tx
      .update(kbGaps)
      .set({
        status: 'closed',
        closedBy: actor,
        closedAt: (options.clock ?? systemClock).now(),
        answerEntryId: entryId,
      })
      .where(eq(kbGaps.id, gapId))
      .returning();
    return closed!;
  });
}

export interface GapFilter {
  status?: KbGapStatus;
  item?: string;
  /** Only open gaps whose due date is before this instant. */
  overdueAt?: Date;
}

/** Gaps by due date, oldest first. */
export async function listGaps(db: Db, filter: GapFilter = {}): Promise<KbGap[]> {
  const status = filter.overdueAt ? 'open' : filter.status;
  return db
    .select()
    .from(kbGaps)
    .where(
      and(
        status ? eq(kbGaps.status, status) : undefined,
        filter.item ? eq(kbGaps.item, filter.item) : undefined,
        filter.overdueAt ? lt(kbGaps.dueAt, filter.overdueAt) : undefined,
      ),
    )
    .orderBy(asc(kbGaps.dueAt), asc(kbGaps.id));
}

/** Every question recorded into a gap, in order. */
export async function gapOccurrences(db: Db, gapId: number): Promise<KbGapOccurrence[]> {
  return db
    .select()
    .from(kbGapOccurrences)
    .where(eq(kbGapOccurrences.gapId, gapId))
    .orderBy(asc(kbGapOccurrences.id));
}
