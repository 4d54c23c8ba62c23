/**
 * 知识库存储: KB entries in PostgreSQL with a version per change. Writes are all-or-nothing and
 * serialised (one advisory lock), so concurrent imports cannot interleave versions.
 */
import { notifyIn } from '../storage/notify.ts';
import { asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import { kbEntries, kbEntryVersions } from '../storage/schema/index.ts';
import type { KbEntry, KbStatus } from './entry.ts';
import {
  changedFields,
  changeSummary,
  entryFromRow,
  KB_ENTRY_FIELDS,
  rowFromEntry,
  snapshotOf,
  type KbEntryField,
  type KbEntryInsert,
} from './store-rows.ts';

/** An entry with its bookkeeping. */
export interface KbEntryRecord {
  entry: KbEntry;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/** One row of an entry's history. */
export interface KbEntryVersion {
  entryId: string;
  version: number;
  snapshot: KbEntry;
  changedFields: KbEntryField[];
  summary: string;
  changedBy: string;
  changedAt: Date;
}

export interface UpsertResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

export interface WriteOptions {
  /** Who makes the change (staff id, `import:<user>`, `seed` …); stored on the entry and its version. */
  actor: string;
  clock: Clock;
  /** Called after each batch of entries is written: `done` of `total`. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** Rows per statement: 18 columns × 500 stays far below PostgreSQL's 65 535 parameters. */
export const WRITE_BATCH = 500;
// Any fixed number (migrate uses another): every KB write holds it until commit.
const KB_WRITE_LOCK = 4_242_101;

export async function listEntries(db: Db, filter: { status?: KbStatus } = {}): Promise<KbEntry[]> {
  const rows = await db
    .select()
    .from(kbEntries)
    .where(filter.status ? eq(kbEntries.status, filter.status) : undefined)
    .orderBy(asc(kbEntries.id));
  return rows.map(entryFromRow);
}

export async function getEntry(db: Db, id: string): Promise<KbEntryRecord | undefined> {
  const [row] = await db.select().from(kbEntries).where(eq(kbEntries.id, id));
  return row
    ? { entry: entryFromRow(row), version: row.version, updatedAt: row.updatedAt, updatedBy: row.updatedBy }
    : undefined;
}

export async function countEntries(db: Db, filter: { status?: KbStatus } = {}): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(kbEntries)
    .where(filter.status ? eq(kbEntries.status, filter.status) : undefined);
  return row?.n ?? 0;
}

/**
 * Creates or updates `entries` in one transaction: either every entry is written or none is.
 * An entry equal to the stored one is left alone (no new version); a changed one gets version + 1
 * and a history row naming the changed fields. Ids must be unique within `entries`.
 */
export async function upsertEntries(
  db: Db,
  entries: readonly KbEntry[],
  options: WriteOptions,
): Promise<UpsertResult> {
  rejectDuplicateIds(entries);
  const result: UpsertResult = { created: [], updated: [], unchanged: [] };
  await db.transaction(async (tx) => {
    await lockKbWrites(tx);
    for (let start = 0; start < entries.length; start += WRITE_BATCH) {
      await upsertBatch(tx, entries.slice(start, start + WRITE_BATCH), options, result);
      options.onProgress?.({ done: Math.min(start + WRITE_BATCH, entries.length), total: entries.length });
    }
    const changed = [...result.created, ...result.updated];
    if (changed.length > 0) await notifyIn(tx, KB_CHANGES_CHANNEL, changesPayload(changed));
  });
  return result;
}

/** Running servers hear of committed KB changes here and update their index (store-knowledge-base.ts). */
export const KB_CHANGES_CHANNEL = 'bangban_kb_changes';

/** NOTIFY payloads stop at 8000 bytes; a larger change says `*` (re-read everything). */
function changesPayload(ids: readonly string[]): string {
  const payload = JSON.stringify(ids);
  return Buffer.byteLength(payload) < 7900 ? payload : '*';
}

/** Holds the KB write lock until the enclosing transaction ends (re-entrant within it). */
export async function lockKbWrites(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${KB_WRITE_LOCK})`);
}

async function upsertBatch(
  tx: Db,
  batch: readonly KbEntry[],
  options: WriteOptions,
  result: UpsertResult,
): Promise<void> {
  const existing = await tx
    .select()
    .from(kbEntries)
    .where(
      inArray(
        kbEntries.id,
        batch.map((e) => e.id),
      ),
    );
  const byId = new Map(existing.map((row) => [row.id, row]));
  const now = options.clock.now();
  const rows: KbEntryInsert[] = [];
  const versions: Array<typeof kbEntryVersions.$inferInsert> = [];
  for (const raw of batch) {
    const entry = snapshotOf(raw);
    const stored = byId.get(entry.id);
    const before = stored ? entryFromRow(stored) : undefined;
    const fields = before ? changedFields(before, entry) : [...KB_ENTRY_FIELDS];
    if (fields.length === 0) {
      result.unchanged.push(entry.id);
      continue;
    }
    (before ? result.updated : result.created).push(entry.id);
    const version = (stored?.version ?? 0) + 1;
    rows.push(rowFromEntry(entry, { version, updatedAt: now, updatedBy: options.actor }));
    versions.push({
      entryId: entry.id,
      version,
      snapshot: entry,
      changedFields: fields,
      summary: changeSummary(before, entry, fields),
      changedBy: options.actor,
      changedAt: now,
    });
  }
  if (rows.length === 0) return;
  await tx
    .insert(kbEntries)
    .values(rows)
    .onConflictDoUpdate({ target: kbEntries.id, set: excludedColumns() });
  await tx.insert(kbEntryVersions).values(versions);
}

/** `set column = excluded.column` for every column but the key. */
function excludedColumns(): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [key, column] of Object.entries(getTableColumns(kbEntries))) {
    if (key !== 'id') set[key] = sql.raw(`excluded."${column.name}"`);
  }
  return set;
}

function rejectDuplicateIds(entries: readonly KbEntry[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.id)) duplicates.add(entry.id);
    seen.add(entry.id);
  }
  if (duplicates.size > 0) {
    throw new AppError(
      'validation_failed',
      `duplicate KB entry id(s) in one write: ${[...duplicates].join(', ')}`,
      {
        details: { ids: [...duplicates] },
      },
    );
  }
}

/** Publishes, retires or drafts one entry (a new version unless it already has that status). */
export async function setStatus(
  db: Db,
  id: string,
  status: KbStatus,
  options: WriteOptions,
): Promise<KbEntryRecord> {
  return db.transaction(async (tx) => {
    await lockKbWrites(tx);
    const current = await getEntry(tx, id);
    if (!current) throw new AppError('not_found', `no KB entry with id "${id}"`, { details: { id } });
    await upsertEntries(tx, [{ ...current.entry, status }], options);
    return (await getEntry(tx, id))!;
  });
}

/** Every version of an entry, oldest first (empty for an unknown id). */
export async function history(db: Db, id: string): Promise<KbEntryVersion[]> {
  const rows = await db
    .select()
    .from(kbEntryVersions)
    .where(eq(kbEntryVersions.entryId, id))
    .orderBy(asc(kbEntryVersions.version));
  return rows.map((row) => ({
    entryId: row.entryId,
    version: row.version,
    snapshot: row.snapshot as KbEntry,
    changedFields: row.changedFields as KbEntryField[],
    summary: row.summary,
    changedBy: row.changedBy,
    changedAt: row.changedAt,
  }));
}
