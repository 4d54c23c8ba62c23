/**
 * The whole 12345 cycle through the composition root (createBangban) with the loopback fake:
 * a helper's /12345 → ticket delivered, signed → status callbacks over HTTP → closed, and the
 * citizen told the 12345 number and what happens next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createBangban } from '../../../src/main.ts';
import { conversations, hotlineTickets } from '../../../src/storage/schema/index.ts';
import { repoRoot } from '../../config/fixtures.ts';
import { FakeChannelGateway } from '../../fakes/fake-channel-gateway.ts';
import { startFakeHotline } from '../../fakes/hotline-12345/fake-hotline-server.ts';
import { FRIDAY_10AM } from '../../flows/flow-harness.ts';
import { backends, createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { waitFor } from '../../http/test-app.ts';
import { APP_ID, hotlineEnv, SECRET } from './hotline-harness.ts';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe.each(backends)('12345 full cycle through createBangban on %s', (backend) => {
  it('/12345 → delivered → accepted → in_progress → closed, the citizen told the number', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-hotline-cycle-'));
    folders.push(dataDir);
    let server: TestDatabase | undefined;
    if (backend === 'postgres') server = await createTestDatabase('postgres');
    const clock = new ManualClock(FRIDAY_10AM);
    const fake = await startFakeHotline({ appId: APP_ID, secret: SECRET, now: () => clock.now().getTime() });
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...(server?.url ? { DATABASE_URL: server.url } : {}),
      ...hotlineEnv(fake),
    };
    const config = loadConfig({ env, cwd: repoRoot });
    const gateway = new FakeChannelGateway();
    const bangban = await createBangban({
      config,
      clock,
      env,
      citizenChannels: { webchat: gateway },
      staffNotifiers: [gateway],
    });
    try {
      const http = await bangban.listen();
      const say = (text: string, n: number) =>
        bangban.flows.handleInbound({
          channel: 'webchat',
          channelUserId: 'cycle-citizen',
          senderRole: 'citizen',
          externalId: `cycle-${n}`,
          kind: 'text',
          text,
        });
      await say('我的制剂注册申请涉及卫健委的审批，一直没有结果', 1);
      await say('转人工', 2);
      await say('1', 3);
      const [conversation] = await bangban.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.citizenUserId, 'cycle-citizen'));
      expect(conversation).toMatchObject({ state: 'assigned' });
      const helper = conversation!.assigneeId!;

      const pushed = await bangban.flows.staffInput({
        staffId: helper,
        text: '/12345 需卫健委协调',
        conversationId: conversation!.id,
      });
      expect(pushed).toMatchObject({ ok: true, action: 'push_12345' });
      const ticket = await waitFor(async () => {
        const [row] = await bangban.database.db
          .select()
          .from(hotlineTickets)
          .where(eq(hotlineTickets.conversationId, conversation!.id));
        return row?.status === 'sent' ? row : undefined;
      }, 10_000);
      expect(fake.tickets.size).toBe(1);
      const created = fake.tickets.get(ticket.ticketNo)!;
      expect(created.requests).toBe(1);
      expect(created.body).toMatchObject({ externalNo: ticket.ticketNo, transferReason: '需卫健委协调' });
      expect(fake.requests.every((r) => r.signatureOk)).toBe(true);
      expect(ticket.hotlineNo).toBe(created.hotlineNo);

      const callbackUrl = `${http.url}/callbacks/12345`;
      for (const status of ['签收', '办理中', '办结']) {
        const res = await fake.sendCallback(callbackUrl, ticket.ticketNo, { status });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true, result: 'applied' });
      }
      const [closed] = await bangban.database.db
        .select()
        .from(hotlineTickets)
        .where(eq(hotlineTickets.ticketNo, ticket.ticketNo));
      expect(closed).toMatchObject({ status: 'closed', hotlineNo: created.hotlineNo });

      const texts = gateway.textsTo('cycle-citizen');
      expect(texts.some((t) => t.includes('已转交 12345'))).toBe(true);
      const numbered = texts.filter((t) => t.includes(`受理，工单编号：${created.hotlineNo}`));
      expect(numbered).toHaveLength(1);
      expect(numbered[0]).toContain('1 个工作日内与您联系');
      expect(texts.at(-1)).toContain('已办结');
      expect(gateway.infoTo(helper).join('\n')).toContain('12345 已办结');
    } finally {
      await bangban.close();
      await fake.close();
      await server?.cleanup();
    }
  });
});
