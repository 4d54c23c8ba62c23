import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODE_ALPHABET, randomIds } from '../../src/flows/conversation-code.ts';
import type { IdSource } from '../../src/flows/flow-deps.ts';
import { syncConfigToDatabase } from '../../src/storage/repositories/sync-config-to-database.ts';
import { conversations } from '../../src/storage/schema/index.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';
import { buildHarness, clearFlowTables, testConfig } from './flow-harness.ts';

describe('conversation codes', () => {
  it('use no 0, O, 1 or I', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1I]/);
    for (let i = 0; i < 200; i += 1) expect(randomIds.code(4)).toMatch(/^[A-HJ-NP-Z2-9]{4}$/);
  });
});

describe.each(backends)('opening conversations on %s', (backend) => {
  const test = useTestDatabase(backend);
  const config = testConfig();
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
  });

  it('retries with another code when the drawn one is taken', async () => {
    const codes = ['K7Q2', 'K7Q2', 'K7Q2', 'M4X9Z'];
    let n = 0;
    const ids: IdSource = { conversationId: () => `conv-${++n}`, code: () => codes.shift()! };
    const h = buildHarness(test.database, config, { ids });
    await h.say('u1', '你好');
    await h.say('u2', '你好');
    const rows = await h.database.db
      .select({ user: conversations.citizenUserId, code: conversations.code })
      .from(conversations)
      .orderBy(conversations.createdAt);
    expect(rows.map((r) => [r.user, r.code]).sort()).toEqual([
      ['u1', 'K7Q2'],
      ['u2', 'M4X9Z'],
    ]);
  });

  it('continues one conversation when the same citizen writes twice at once', async () => {
    const h = buildHarness(test.database, config);
    await Promise.all([
      h.flows.handleInbound(h.citizen('same', '第一句')),
      h.another().flows.handleInbound(h.citizen('same', '第二句')),
    ]);
    const rows = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'same'));
    expect(rows).toHaveLength(1);
  });
});
