/**
 * Stream mode (DINGTALK_STREAM=1) through createBangban against the loopback fake gateway:
 * connections/open with explicit subscriptions → WebSocket with a single-use ticket → robot
 * CALLBACK frames stored like HTTP callbacks and ACKed, ping echoed, reconnect with a new ticket
 * after a dropped connection and after the gateway's `disconnect`.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROBOT_TOPIC } from '../../../adapters/dingtalk/stream-client.ts';
import { conversations, inbox } from '../../../src/storage/schema/index.ts';
import { backends } from '../../helpers/db.ts';
import { startDingtalkHarness, type DingtalkHarness } from './dingtalk-harness.ts';

const ZHANG = 'dt-zhangwei';

describe.each(backends)('DingTalk Stream mode on %s', (backend) => {
  let h: DingtalkHarness;
  beforeEach(async () => {
    h = await startDingtalkHarness(backend, undefined, { DINGTALK_STREAM: '1' });
  }, 60_000);
  afterEach(() => h.close());

  it('robot messages arrive over the gateway, are stored once and ACKed; ping echoed; reconnects with new tickets', async () => {
    const gateway = h.fake.stream;
    await gateway.waitForConnections(1);
    expect(gateway.lastSubscriptions()).toEqual([{ type: 'CALLBACK', topic: ROBOT_TOPIC }]);

    await h.bangban.flows.handleInbound({
      channel: 'webchat',
      channelUserId: 'citizen-s',
      senderRole: 'citizen',
      externalId: 'citizen-s-1',
      kind: 'text',
      text: '转人工',
    });
    await h.bangban.flows.handleInbound({
      channel: 'webchat',
      channelUserId: 'citizen-s',
      senderRole: 'citizen',
      externalId: 'citizen-s-2',
      kind: 'text',
      text: '1',
    });
    await h.settle();
    const [conversation] = await h.bangban.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'citizen-s'));
    const message = h.staffText(ZHANG, `接单 ${conversation!.code}`);
    const frame = (id: string) => ({
      type: 'CALLBACK' as const,
      headers: { topic: ROBOT_TOPIC, messageId: id },
      data: JSON.stringify(message),
    });

    const ack = await gateway.push(frame('m-bot-1'));
    expect(ack).toMatchObject({ code: 200, message: 'OK', headers: { messageId: 'm-bot-1' } });
    expect(JSON.parse(ack.data)).toEqual({ response: null });
    await h.settle();
    expect(h.messagesTo(ZHANG).at(-1)).toContain(`已接单 #${conversation!.code}`);

    // A redelivery (the gateway retries un-ACKed pushes) is ACKed and not stored again.
    await gateway.push(frame('m-bot-2'));
    await h.settle();
    const rows = await h.bangban.database.db.select().from(inbox).where(eq(inbox.channel, 'dingtalk'));
    expect(rows.filter((r) => r.externalId === message['msgId'])).toHaveLength(1);

    const pong = await gateway.push({
      type: 'SYSTEM',
      headers: { topic: 'ping', messageId: 'm-ping' },
      data: '{"opaque":"op-1"}',
    });
    expect(pong).toMatchObject({
      code: 200,
      headers: { topic: 'ping', messageId: 'm-ping' },
      data: '{"opaque":"op-1"}',
    });

    // Not a robot message: acknowledged (it would never get better), nothing stored.
    const junk = await gateway.push({
      type: 'CALLBACK',
      headers: { topic: ROBOT_TOPIC, messageId: 'm-junk' },
      data: '{"msgtype":"text"}',
    });
    expect(junk.code).toBe(200);

    // A dropped connection: a new ticket, a new connection.
    gateway.dropAll();
    await gateway.waitForConnections(2, 8000);
    expect(gateway.opens()).toBe(2);
    // The gateway asks to reconnect.
    await gateway
      .push({ type: 'SYSTEM', headers: { topic: 'disconnect', messageId: 'm-disc' }, data: '{}' })
      .catch(() => undefined);
    await gateway.waitForConnections(3, 8000);
    expect(gateway.opens()).toBe(3);
    const again = await gateway.push({
      type: 'EVENT',
      headers: { topic: '*', messageId: 'm-evt', eventType: 'user_add_org' },
      data: '{}',
    });
    expect(JSON.parse(again.data)).toMatchObject({ status: 'SUCCESS' });
  }, 60_000);
});
