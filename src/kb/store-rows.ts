/**
 * Conversion between kb_entries rows and `KbEntry`, and the field-by-field comparison that decides
 * whether an upsert is a new version.
 */
import type { KbColumn, KbEntry, KbItem, KbStatus } from './entry.ts';
import type { kbEntries } from '../storage/schema/index.ts';

export type KbEntryRow = typeof kbEntries.$inferSelect;
export type KbEntryInsert = typeof kbEntries.$inferInsert;

/** Every field of `KbEntry`, in the order versions list them. */
export const KB_ENTRY_FIELDS = [
  'id',
  'column',
  'item',
  'title',
  'questions',
  'answer',
  'keywords',
  'source',
  'sourceUrl',
  'effectiveDate',
  'publishDate',
  'status',
  'maintainer',
  'needsConfirmation',
  'facts',
] as const satisfies ReadonlyArray<keyof KbEntry>;
export type KbEntryField = (typeof KB_ENTRY_FIELDS)[number];

/** The entry a row holds; optional fields are absent (not undefined) when the column is null. */
export function entryFromRow(row: KbEntryRow): KbEntry {
  const entry: KbEntry = {
    id: row.id,
    // The CHECK constraints hold column and status to the same lists; item is validated on import.
    column: row.column as KbColumn,
    item: row.item as KbItem,
    title: row.title,
    questions: row.questions,
    answer: row.answer,
    keywords: row.keywords,
    source: row.source,
    status: row.status as KbStatus,
    maintainer: row.maintainer,
    needsConfirmation: row.needsConfirmation,
    facts: row.facts,
  };
  if (row.sourceUrl !== null) entry.sourceUrl = row.sourceUrl;
  if (row.effectiveDate !== null) entry.effectiveDate = row.effectiveDate;
  if (row.publishDate !== null) entry.publishDate = row.publishDate;
  return entry;
}

export function rowFromEntry(
  entry: KbEntry,
  meta: { version: number; updatedAt: Date; updatedBy: string },
): KbEntryInsert {
  return {
    id: entry.id,
    column: entry.column,
    item: entry.item,
    title: entry.title,
    questions: [...entry.questions],
    answer: entry.answer,
    keywords: [...entry.keywords],
    source: entry.source,
    sourceUrl: entry.sourceUrl ?? null,
    effectiveDate: entry.effectiveDate ?? null,
    publishDate: entry.publishDate ?? null,
    status: entry.status,
    maintainer: entry.maintainer,
    needsConfirmation: entry.needsConfirmation,
    facts: [...entry.facts],
    ...meta,
  };
}

/** A plain copy with the fields in a fixed order and no undefined values (what a version stores). */
export function snapshotOf(entry: KbEntry): KbEntry {
  const copy: Record<string, unknown> = {};
  for (const field of KB_ENTRY_FIELDS) {
    const value = entry[field];
    if (value !== undefined) copy[field] = Array.isArray(value) ? [...(value as string[])] : value;
  }
  return copy as unknown as KbEntry;
}

/** Fields whose values differ (lists compare element by element, in order). */
export function changedFields(before: KbEntry, after: KbEntry): KbEntryField[] {
  return KB_ENTRY_FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}

/** One line for people reading the history. */
export function changeSummary(
  before: KbEntry | undefined,
  after: KbEntry,
  fields: readonly KbEntryField[],
): string {
  if (!before) return 'created';
  if (fields.length === 1 && fields[0] === 'status') return `status: ${before.status} → ${after.status}`;
  return `updated: ${fields.join(', ')}`;
}
