import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { like } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config-types.ts';
import { PUSHED_12345 } from '../../../src/flows/citizen-texts.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { timers } from '../../../src/storage/schema/index.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { clearTables, startHotlineHarness } from './hotline-harness.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-hotline-auto-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Saturday 2026-11-28 10:00 in Shanghai: no rota shift, the item is closed. */
const SATURDAY_10AM = '2026-11-28T02:00:00Z';
const withAutoPush = (enabled: boolean): Config =>
  testConfig((raw) => {
    raw['hotline12345'] = { autoPush: { enabled, afterMinutes: 5, checkEverySeconds: 60 } };
  });

describe.each(backends)('automatic push of conversations queued outside any rota on %s', (backend) => {
  const test = useTestDatabase(backend);
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, withAutoPush(true));
  });
  beforeEach(async () => {
    await clearTables(test.database);
  });

  it('pushes a conversation still queued past the limit with nobody on duty, and says so', async () => {
    const config = withAutoPush(true);
    const h = await startHotlineHarness(test.database, config, { dataDir, start: SATURDAY_10AM });
    try {
      await h.handOff('q1');
      expect((await h.conversationOf('q1')).state).toBe('queued');
      await h.hotline.armAutoPush();
      await h.advance(4 * 60_000, 10_000);
      expect((await h.conversationOf('q1')).state).toBe('queued');
      await h.advance(3 * 60_000, 10_000);
      const conversation = await h.conversationOf('q1');
      expect(conversation.state).toBe('pushed_12345');
      const ticket = await h.hotline.ticketForDelivery({ conversationId: conversation.id });
      expect(ticket).toMatchObject({ send: false, reason: 'already_sent' });
      const stored = (ticket as { ticket: { ticketNo: string } }).ticket;
      expect(await h.ticket(stored.ticketNo)).toMatchObject({ staffId: null, status: 'sent' });
      expect(h.fake.tickets.size).toBe(1);
      expect(h.gateway.textsTo('q1')).toContain(PUSHED_12345);
      const item = config.items.find((i) => i.id === conversation.itemId)!;
      const supervisors = config.staff.filter(
        (s) => s.roles.includes('supervisor') && s.department === item.department,
      );
      for (const supervisor of supervisors)
        expect(h.gateway.infoTo(supervisor.id).join('\n')).toContain('已自动转 12345');
      // The check keeps re-arming itself (one pending slot ahead).
      const pending = await test.database.db
        .select()
        .from(timers)
        .where(like(timers.key, 'hotline12345:auto-push:%'));
      expect(pending.filter((t) => t.status === 'pending')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('does nothing when the rule is off (the default)', async () => {
    const h = await startHotlineHarness(test.database, withAutoPush(false), {
      dataDir,
      start: SATURDAY_10AM,
    });
    try {
      await h.handOff('q2');
      await h.hotline.armAutoPush();
      await h.advance(10 * 60_000, 30_000);
      expect((await h.conversationOf('q2')).state).toBe('queued');
      expect(await test.database.db.select().from(timers).where(like(timers.key, 'hotline12345:%'))).toEqual(
        [],
      );
    } finally {
      await h.close();
    }
  });
});
