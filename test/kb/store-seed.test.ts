import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { loadKbDirectory } from '../../src/kb/entry.ts';
import { countEntries, getEntry, upsertEntries } from '../../src/kb/store.ts';
import { seedKbIfEmpty } from '../../src/kb/store-seed.ts';
import { makeEntry } from '../fixtures/kb/entries.ts';
import { backends, createTestDatabase, useTestDatabase } from '../helpers/db.ts';

const seedDir = path.resolve(import.meta.dirname, '../../config/kb');
const clock = new ManualClock('2026-09-30T02:00:00Z');

describe.each(backends)('seedKbIfEmpty on %s', (backend) => {
  const test = useTestDatabase(backend);

  it('fills an empty KB from config/kb once, and leaves it alone afterwards', async () => {
    const seed = loadKbDirectory(seedDir);
    expect(await seedKbIfEmpty(test.database.db, undefined, { clock })).toEqual({ seeded: seed.length });
    expect(await countEntries(test.database.db)).toBe(seed.length);
    expect(await getEntry(test.database.db, seed[0]!.id)).toMatchObject({ version: 1, updatedBy: 'seed' });

    await upsertEntries(test.database.db, [{ ...seed[0]!, answer: '维护人员改过的答案' }], {
      actor: 'alice',
      clock,
    });
    expect(await seedKbIfEmpty(test.database.db, seedDir, { clock })).toEqual({ seeded: 0 });
    expect((await getEntry(test.database.db, seed[0]!.id))!.entry.answer).toBe('维护人员改过的答案');
  });

  it('does not seed a KB that has any entry, even a retired one', async () => {
    const other = await createTestDatabase(backend);
    try {
      await upsertEntries(other.db, [makeEntry('only.one', { status: 'retired' })], {
        actor: 'alice',
        clock,
      });
      expect(await seedKbIfEmpty(other.db, seedDir, { clock })).toEqual({ seeded: 0 });
      expect(await countEntries(other.db)).toBe(1);
    } finally {
      await other.cleanup();
    }
  });
});
