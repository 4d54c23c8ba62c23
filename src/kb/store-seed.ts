/** The first start: an empty KB is filled from the seed files shipped in config/kb/. */
import { systemClock } from '../clock.ts';
import type { Clock } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import { readKbFiles } from './import.ts';
import { countEntries, lockKbWrites, upsertEntries } from './store.ts';
import { DEFAULT_KB_CONFIG_DIR } from './synonyms.ts';

export interface SeedOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** Recorded on the entries and their first version (default `seed`). */
  actor?: string;
}

/**
 * Imports every KB file of `dir` (default: this checkout's config/kb) when kb_entries is empty;
 * does nothing otherwise, so edits made since are never overwritten. Safe when several instances
 * start together: the check and the write happen under the KB write lock.
 */
export async function seedKbIfEmpty(
  db: Db,
  dir: string = DEFAULT_KB_CONFIG_DIR,
  options: SeedOptions = {},
): Promise<{ seeded: number }> {
  if ((await countEntries(db)) > 0) return { seeded: 0 };
  const { entries } = await readKbFiles([dir]);
  return db.transaction(async (tx) => {
    await lockKbWrites(tx);
    if ((await countEntries(tx)) > 0) return { seeded: 0 };
    const result = await upsertEntries(tx, entries, {
      actor: options.actor ?? 'seed',
      clock: options.clock ?? systemClock,
    });
    return { seeded: result.created.length };
  });
}
