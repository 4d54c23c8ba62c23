/** The knowledge base the bot answers from: the published entries of the store, seeded on first use. */
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import { createKnowledgeBase, type KnowledgeBase, type KnowledgeBaseOptions } from './answer.ts';
import { seedKbIfEmpty } from './store-seed.ts';
import type { Database } from '../storage/database.ts';
import { getEntry, KB_CHANGES_CHANNEL, listEntries } from './store.ts';

export interface LoadKnowledgeBaseOptions extends KnowledgeBaseOptions {
  clock?: Clock;
  /** Seed folder used when kb_entries is empty (default: this checkout's config/kb). */
  seedDir?: string;
}

/**
 * Seeds an empty store from config/kb, then indexes every published entry. Later changes reach
 * the returned knowledge base through its upsert/remove (the index is not rebuilt).
 */
export async function loadKnowledgeBase(
  db: Db,
  options: LoadKnowledgeBaseOptions = {},
): Promise<{ kb: KnowledgeBase; seeded: number }> {
  const { clock, seedDir, ...kbOptions } = options;
  const { seeded } = await seedKbIfEmpty(db, seedDir, clock ? { clock } : {});
  const entries = await listEntries(db, { status: 'published' });
  return { kb: createKnowledgeBase(entries, kbOptions), seeded };
}

/**
 * Keeps `kb` in step with the store: every committed change (an import, a status change, from this
 * or another process) is applied to the index entry by entry — published entries are answered from,
 * others are dropped. Resolves to a function that stops following.
 */
export async function followKbChanges(
  database: Pick<Database, 'db' | 'listen'>,
  kb: KnowledgeBase,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  let applying = Promise.resolve();
  return database.listen(KB_CHANGES_CHANNEL, (payload) => {
    // One change at a time, in commit order.
    applying = applying.then(() => applyChanges(database.db, kb, payload)).catch(onError);
  });
}

async function applyChanges(db: Db, kb: KnowledgeBase, payload: string): Promise<void> {
  if (payload === '*') {
    for (const entry of await listEntries(db)) kb.upsert(entry);
    return;
  }
  for (const id of JSON.parse(payload) as string[]) {
    const record = await getEntry(db, id);
    if (record) kb.upsert(record.entry);
    else kb.remove(id);
  }
}
