import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createKnowledgeBase } from '../../src/kb/answer.ts';
import { followKbChanges } from '../../src/kb/store-knowledge-base.ts';
import { setStatus, upsertEntries } from '../../src/kb/store.ts';
import { makeEntry } from '../fixtures/kb/entries.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(backends)('the bot follows KB changes on %s', (backend) => {
  const test = useTestDatabase(backend);
  const write = { actor: 'maintainer', clock: new ManualClock('2026-11-27T02:00:00Z') };

  it('indexes an imported entry and drops a retired one without a restart', async () => {
    const kb = createKnowledgeBase([]);
    const errors: unknown[] = [];
    const stop = await followKbChanges(test.database, kb, (error) => errors.push(error));
    try {
      const entry = makeEntry('general.follow-test', { item: 'general', title: '行政服务中心周六是否开放' });
      expect(kb.get(entry.id)).toBeUndefined();

      await upsertEntries(test.database.db, [entry], write);
      await eventually(() => kb.get(entry.id) !== undefined);

      await setStatus(test.database.db, entry.id, 'retired', write);
      await eventually(() => kb.get(entry.id)?.status !== 'published');
      expect(kb.search(entry.title).map((hit) => hit.entry.id)).not.toContain(entry.id);
      expect(errors).toEqual([]);
    } finally {
      await stop();
    }
  });
});
