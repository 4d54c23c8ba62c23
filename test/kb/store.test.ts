import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { KbColumn } from '../../src/kb/entry.ts';
import {
  countEntries,
  getEntry,
  history,
  listEntries,
  setStatus,
  upsertEntries,
} from '../../src/kb/store.ts';
import { queryRows } from '../../src/storage/database.ts';
import { makeEntries, makeEntry } from '../fixtures/kb/entries.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe.each(backends)('KB store on %s', (backend) => {
  const test = useTestDatabase(backend);
  const clock = new ManualClock('2026-09-30T02:00:00Z');
  const write = { actor: 'alice', clock };

  async function versionCount(prefix: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      test.database.db,
      sql`select count(*)::int as n from kb_entry_versions where entry_id like ${`${prefix}.%`}`,
    );
    return row!.n;
  }

  it('creates entries at version 1 and reads back exactly what was written', async () => {
    const full = makeEntry('rt.full', {
      sourceUrl: 'https://zwdt.sh.gov.cn/x',
      effectiveDate: '2021-06-01',
      publishDate: '2021-03-18',
      needsConfirmation: true,
      facts: ['QZ01', 'R02'],
      status: 'draft',
    });
    const bare = makeEntry('rt.bare', { questions: [], keywords: [] });
    const result = await upsertEntries(test.database.db, [full, bare], write);
    expect(result).toEqual({ created: ['rt.full', 'rt.bare'], updated: [], unchanged: [] });

    const stored = await getEntry(test.database.db, 'rt.full');
    expect(stored).toEqual({ entry: full, version: 1, updatedAt: clock.now(), updatedBy: 'alice' });
    expect((await getEntry(test.database.db, 'rt.bare'))!.entry).toEqual(bare);
    expect(await getEntry(test.database.db, 'rt.none')).toBeUndefined();
    const [first] = await history(test.database.db, 'rt.full');
    expect(first).toMatchObject({ version: 1, summary: 'created', changedBy: 'alice', snapshot: full });
    expect(first!.changedFields).toContain('answer');
  });

  it('does not re-version unchanged entries and versions changed ones with the changed fields', async () => {
    const a = makeEntry('ver.a');
    const b = makeEntry('ver.b');
    await upsertEntries(test.database.db, [a, b], write);
    clock.advance(60_000);
    const again = await upsertEntries(
      test.database.db,
      [{ ...a }, { ...b, answer: '新的答案', keywords: ['注册'] }],
      {
        actor: 'bob',
        clock,
      },
    );
    expect(again).toEqual({ created: [], updated: ['ver.b'], unchanged: ['ver.a'] });
    expect(await versionCount('ver')).toBe(3);

    const versions = await history(test.database.db, 'ver.b');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]).toMatchObject({
      changedFields: ['answer', 'keywords'],
      summary: 'updated: answer, keywords',
      changedBy: 'bob',
      changedAt: clock.now(),
    });
    expect(versions[0]!.snapshot.answer).toBe(b.answer);
    expect(await getEntry(test.database.db, 'ver.b')).toMatchObject({ version: 2, updatedBy: 'bob' });
    expect((await getEntry(test.database.db, 'ver.a'))!.updatedBy).toBe('alice');
  });

  it('removing an optional field is a change', async () => {
    await upsertEntries(test.database.db, [makeEntry('opt.a', { sourceUrl: 'https://a.example/x' })], write);
    await upsertEntries(test.database.db, [makeEntry('opt.a')], write);
    const versions = await history(test.database.db, 'opt.a');
    expect(versions.at(-1)!.changedFields).toEqual(['sourceUrl']);
    expect((await getEntry(test.database.db, 'opt.a'))!.entry.sourceUrl).toBeUndefined();
  });

  it('writes nothing when one entry of a large batch fails (all-or-nothing across batches)', async () => {
    const entries = makeEntries('aon', 1200);
    // The database rejects an unknown column; it sits in the third write batch.
    entries[1100] = { ...entries[1100]!, column: 'FAQ' as KbColumn };
    await expect(upsertEntries(test.database.db, entries, write)).rejects.toThrow();
    expect(await versionCount('aon')).toBe(0);
    const [row] = await queryRows<{ n: number }>(
      test.database.db,
      sql`select count(*)::int as n from kb_entries where id like 'aon.%'`,
    );
    expect(row!.n).toBe(0);
  });

  it('rejects duplicate ids in one write and writes nothing', async () => {
    await expect(
      upsertEntries(test.database.db, [makeEntry('dup.a'), makeEntry('dup.b'), makeEntry('dup.a')], write),
    ).rejects.toThrow(/duplicate KB entry id\(s\) in one write: dup\.a/);
    expect(await getEntry(test.database.db, 'dup.b')).toBeUndefined();
  });

  it('reports progress per batch of 500 and at the end', async () => {
    const seen: Array<{ done: number; total: number }> = [];
    await upsertEntries(test.database.db, makeEntries('prog', 1200), {
      ...write,
      onProgress: (p) => seen.push(p),
    });
    expect(seen).toEqual([
      { done: 500, total: 1200 },
      { done: 1000, total: 1200 },
      { done: 1200, total: 1200 },
    ]);
  });

  it('retires and republishes an entry with a status version; lists and counts filter by status', async () => {
    await upsertEntries(test.database.db, [makeEntry('st.a'), makeEntry('st.b')], write);
    const retired = await setStatus(test.database.db, 'st.a', 'retired', write);
    expect(retired).toMatchObject({ version: 2, entry: { status: 'retired' } });
    expect((await history(test.database.db, 'st.a')).at(-1)!.summary).toBe('status: published → retired');
    // Same status again: no new version.
    expect((await setStatus(test.database.db, 'st.a', 'retired', write)).version).toBe(2);

    const published = (await listEntries(test.database.db, { status: 'published' })).map((e) => e.id);
    expect(published).toContain('st.b');
    expect(published).not.toContain('st.a');
    expect((await listEntries(test.database.db)).map((e) => e.id)).toContain('st.a');
    expect(await countEntries(test.database.db, { status: 'retired' })).toBe(1);
    expect(await countEntries(test.database.db)).toBe((await listEntries(test.database.db)).length);
  });

  it('setStatus of an unknown id is not_found', async () => {
    await expect(setStatus(test.database.db, 'st.none', 'retired', write)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
