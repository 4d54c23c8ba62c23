import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createCalendar } from '../../src/core/calendar.ts';
import { closeGap, gapOccurrences, listGaps, recordGap } from '../../src/kb/gap-backlog.ts';
import { upsertEntries } from '../../src/kb/store.ts';
import { makeEntry } from '../fixtures/kb/entries.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe.each(backends)('KB gap backlog on %s', (backend) => {
  const test = useTestDatabase(backend);
  const calendar = createCalendar();
  // 2026-09-30 10:00 Shanghai: the National Day holiday (10-01…10-08) lies inside the 5 working days.
  const clock = new ManualClock('2026-09-30T02:00:00Z');
  const options = { clock, calendar };

  it('opens a gap due at the end of the 5th working day (2026-09-30 → 2026-10-13 23:59:59.999 +08:00)', async () => {
    const { gap, grouped } = await recordGap(
      test.database.db,
      {
        question: '二类医疗器械注册要多久',
        item: 'device-registration',
        conversationId: 'conv-1',
        reason: 'low_confidence',
      },
      options,
    );
    expect(grouped).toBe(false);
    expect(gap).toMatchObject({
      question: '二类医疗器械注册要多久',
      normalizedQuestion: '二类医疗器械注册要多久',
      item: 'device-registration',
      conversationId: 'conv-1',
      reason: 'low_confidence',
      occurrences: 1,
      status: 'open',
      createdAt: clock.now(),
      answerEntryId: null,
    });
    expect(gap.dueAt.toISOString()).toBe('2026-10-13T15:59:59.999Z');
  });

  it('groups a near-duplicate of the same item into one gap with an occurrence count', async () => {
    const first = await recordGap(
      test.database.db,
      {
        question: '化妆品生产许可证延续要带什么',
        item: 'cosmetics-production-license',
        reason: 'low_confidence',
      },
      options,
    );
    clock.advance(3_600_000);
    const second = await recordGap(
      test.database.db,
      {
        question: '请问：化妆品生产许可证延续要带什么？？',
        item: 'cosmetics-production-license',
        conversationId: 'conv-2',
        reason: 'not_solved',
      },
      options,
    );
    expect(second.grouped).toBe(true);
    expect(second.gap).toMatchObject({
      id: first.gap.id,
      occurrences: 2,
      question: '化妆品生产许可证延续要带什么',
      lastSeenAt: clock.now(),
    });
    expect(second.gap.dueAt).toEqual(first.gap.dueAt);
    const occurrences = await gapOccurrences(test.database.db, first.gap.id);
    expect(occurrences.map((o) => [o.question, o.conversationId, o.reason])).toEqual([
      ['化妆品生产许可证延续要带什么', null, 'low_confidence'],
      ['请问：化妆品生产许可证延续要带什么？？', 'conv-2', 'not_solved'],
    ]);
  });

  it('keeps the same question under another item, and a different question, as separate gaps', async () => {
    const a = await recordGap(
      test.database.db,
      { question: '生产许可证丢了怎么补办', item: 'drug-production-license', reason: 'low_confidence' },
      options,
    );
    const b = await recordGap(
      test.database.db,
      { question: '生产许可证丢了怎么补办', item: 'device-production-license', reason: 'low_confidence' },
      options,
    );
    const c = await recordGap(
      test.database.db,
      { question: '生产许可证的地址变更怎么办', item: 'drug-production-license', reason: 'low_confidence' },
      options,
    );
    expect(new Set([a.gap.id, b.gap.id, c.gap.id]).size).toBe(3);
    expect([a, b, c].map((r) => r.grouped)).toEqual([false, false, false]);
  });

  it('defaults the item to general, keeps a long paste to 2000 characters, and rejects an empty question', async () => {
    const long = await recordGap(
      test.database.db,
      { question: `药${'品'.repeat(9_999)}`, reason: 'low_confidence' },
      options,
    );
    expect(long.gap.item).toBe('general');
    expect([...long.gap.question]).toHaveLength(2001);
    await expect(
      recordGap(test.database.db, { question: ' ？！ 。 ', reason: 'low_confidence' }, options),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('fails with calendar_data_missing naming the question when the due date needs a year without data', async () => {
    const late = new ManualClock('2026-12-28T02:00:00Z');
    const attempt = recordGap(
      test.database.db,
      { question: '年底注册证到期怎么办', item: 'device-registration', reason: 'low_confidence' },
      { clock: late, calendar },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'calendar_data_missing' });
    await expect(attempt).rejects.toThrow(/KB gap "年底注册证到期怎么办": no holiday data for 2027/);
    expect((await listGaps(test.database.db)).map((g) => g.question)).not.toContain('年底注册证到期怎么办');
  });

  it('closes a gap with an existing entry; a closed gap takes new questions as a new gap', async () => {
    await upsertEntries(test.database.db, [makeEntry('gap.answer')], { actor: 'alice', clock });
    const { gap } = await recordGap(
      test.database.db,
      { question: '注册证遗失如何补发', item: 'device-registration', reason: 'not_solved' },
      options,
    );
    await expect(closeGap(test.database.db, gap.id, 'gap.none', 'alice', { clock })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(closeGap(test.database.db, 999_999, 'gap.answer', 'alice', { clock })).rejects.toMatchObject(
      { code: 'not_found' },
    );

    const closed = await closeGap(test.database.db, gap.id, 'gap.answer', 'alice', { clock });
    expect(closed).toMatchObject({
      status: 'closed',
      closedBy: 'alice',
      closedAt: clock.now(),
      answerEntryId: 'gap.answer',
    });
    await expect(closeGap(test.database.db, gap.id, 'gap.answer', 'bob', { clock })).rejects.toMatchObject({
      code: 'conflict',
    });

    const again = await recordGap(
      test.database.db,
      { question: '注册证遗失如何补发？', item: 'device-registration', reason: 'not_solved' },
      options,
    );
    expect(again.grouped).toBe(false);
  });

  it('lists open, closed and overdue gaps by due date', async () => {
    const open = await listGaps(test.database.db, { status: 'open' });
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((g) => g.status === 'open')).toBe(true);
    expect(open.map((g) => g.dueAt.getTime())).toEqual(
      [...open.map((g) => g.dueAt.getTime())].sort((a, b) => a - b),
    );
    expect((await listGaps(test.database.db, { status: 'closed' })).map((g) => g.answerEntryId)).toEqual([
      'gap.answer',
    ]);
    expect(await listGaps(test.database.db, { overdueAt: new Date('2026-10-13T15:59:59.999Z') })).toEqual([]);
    const overdue = await listGaps(test.database.db, { overdueAt: new Date('2026-10-14T00:00:00+08:00') });
    expect(overdue.map((g) => g.id)).toEqual(open.map((g) => g.id));
    expect(
      (await listGaps(test.database.db, { item: 'drug-production-license' })).map((g) => g.item),
    ).toEqual(['drug-production-license', 'drug-production-license']);
  });
});
