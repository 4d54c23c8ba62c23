/** The knowledge base the bot answers from: the published entries of the store, seeded on first use. */
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import { createKnowledgeBase, type KnowledgeBase, type KnowledgeBaseOptions } from './answer.ts';
import { seedKbIfEmpty } from './store-seed.ts';
import { listEntries } from './store.ts';

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
