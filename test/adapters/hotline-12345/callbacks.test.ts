import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sign, SIGNATURE_HEADERS } from '../../../adapters/hotline-12345/signing.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { conversationEvents } from '../../../src/storage/schema/index.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { APP_ID, clearTables, SECRET, startHotlineHarness, type HotlineHarness } from './hotline-harness.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-hotline-cb-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = testConfig();
const prep = config.items.find((i) => i.id === 'preparation-registration')!;
const supervisors = config.staff
  .filter((s) => s.roles.includes('supervisor') && s.department === prep.department)
  .map((s) => s.id);

describe.each(backends)('POST /callbacks/12345 on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: HotlineHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearTables(test.database);
    h = await startHotlineHarness(test.database, config, { dataDir });
  });
  afterEach(async () => {
    await h.close();
  });

  /** A delivered ticket of citizen `user`. */
  async function delivered(user: string): Promise<string> {
    await h.handOff(user);
    const ticketNo = await h.push(user);
    await h.settle();
    return ticketNo;
  }

  async function snapshot(ticketNo: string, user: string) {
    const conversation = await h.conversationOf(user);
    const events = await test.database.db
      .select()
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversation.id));
    return { ticket: await h.ticket(ticketNo), ticketEvents: await h.events(ticketNo), conversation, events };
  }

  it('walks accepted → in_progress → closed, telling the helper and the supervisors, the citizen once', async () => {
    const ticketNo = await delivered('c1');
    const hotlineNo = h.fake.tickets.get(ticketNo)!.hotlineNo;
    h.gateway.clear();
    const accepted = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: '签收', eventId: 'e-1' });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true, result: 'applied' });
    expect((await h.ticket(ticketNo)).status).toBe('accepted');
    for (const staffId of ['zhang-wei', ...supervisors])
      expect(h.gateway.infoTo(staffId).join('\n')).toContain('12345 已签收');
    expect(supervisors.length).toBeGreaterThan(0);
    // The number was already told with the create response: not again.
    expect(h.gateway.textsTo('c1').filter((t) => t.includes(hotlineNo))).toHaveLength(0);

    expect(
      (await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'in_progress', eventId: 'e-2' })).status,
    ).toBe(200);
    const closed = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: '办结', eventId: 'e-3' });
    expect(await closed.json()).toEqual({ ok: true, result: 'applied' });
    expect(await h.ticket(ticketNo)).toMatchObject({ status: 'closed', closedAt: h.clock.now() });
    expect(h.gateway.textsTo('c1').at(-1)).toContain('已办结');
    const statuses = (await h.events(ticketNo)).filter((e) => e.type === 'status').map((e) => e.toStatus);
    expect(statuses).toEqual(['accepted', 'in_progress', 'closed']);
  });

  it('tells the citizen the number when it first arrives by callback', async () => {
    await h.handOff('n1');
    const ticketNo = await h.push('n1');
    // 12345 took it, but our "sent" was never recorded (response lost): the callback brings the number.
    await h.fake.sendCallback(h.callbackUrl, ticketNo, {
      status: 'accepted',
      hotlineNo: 'SH-CB-7',
      eventId: 'n-1',
    });
    expect(await h.ticket(ticketNo)).toMatchObject({ status: 'accepted', hotlineNo: 'SH-CB-7' });
    expect(h.gateway.textsTo('n1').filter((t) => t.includes('SH-CB-7'))).toHaveLength(1);
    // The outbox row still runs, and finds nothing to send.
    await h.settle();
    expect(h.fake.requests).toHaveLength(0);
  });

  it('退单 puts the conversation back into the helper queue with an event; a second push is a new ticket', async () => {
    const ticketNo = await delivered('r1');
    h.gateway.clear();
    const res = await h.fake.sendCallback(h.callbackUrl, ticketNo, {
      status: 'returned',
      reason: '不属于本热线受理范围',
      eventId: 'r-1',
    });
    expect(res.status).toBe(200);
    expect(await h.ticket(ticketNo)).toMatchObject({
      status: 'returned',
      returnReason: '不属于本热线受理范围',
    });
    const conversation = await h.conversationOf('r1');
    expect(conversation).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei', closedAt: null });
    const { events } = await snapshot(ticketNo, 'r1');
    expect(events.map((e) => e.type)).toContain('returned_from_12345');
    expect(h.gateway.infoTo('zhang-wei').join('\n')).toContain('已回到您的队列');
    expect(h.gateway.textsTo('r1').at(-1)).toContain('退回');
    const open = await h.flows.listOpen({ staffId: 'zhang-wei' });
    expect(open.map((c) => c.id)).toContain(conversation.id);

    const second = await h.push('r1', '再次转办');
    expect(second).toMatch(/-2$/);
    await h.settle();
    expect(h.fake.tickets.size).toBe(2);
    expect((await h.outboxRows()).map((row) => row.idempotencyKey)).toEqual([
      `hotline12345:${conversation.id}`,
      `hotline12345:${conversation.id}:2`,
    ]);
  });

  it('rejects a wrong signature, a stale timestamp and a wrong app id with 401, changing nothing', async () => {
    const ticketNo = await delivered('s1');
    const before = await snapshot(ticketNo, 's1');
    const cases = [
      { secret: 'not-the-shared-secret-at-all' },
      { timestampSeconds: Math.floor(h.clock.now().getTime() / 1000) - 301 },
      { appId: 'someone-else' },
    ];
    for (const override of cases) {
      const res = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'closed', ...override });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string } };
      expect(['invalid_signature', 'stale_timestamp']).toContain(body.error.code);
    }
    const unsigned = await fetch(h.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ externalNo: ticketNo, status: 'closed' }),
    });
    expect(unsigned.status).toBe(401);
    expect(await snapshot(ticketNo, 's1')).toEqual(before);
  });

  it('answers 404 with a code for an unknown ticket, 400 for bad JSON or fields, 415 for other types', async () => {
    const ticketNo = await delivered('u1');
    const before = await snapshot(ticketNo, 'u1');
    const unknown = await h.fake.sendCallback(h.callbackUrl, 'BB-19990101-NOPE-1', { status: 'accepted' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'not_found', details: { reason: 'unknown_ticket' } },
    });

    const badJson = await h.fake.sendCallback(h.callbackUrl, ticketNo, {
      status: 'x',
      rawBody: '{"externalNo": ',
    });
    expect(badJson.status).toBe(400);
    const badStatus = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'teleported' });
    expect(badStatus.status).toBe(400);
    expect(await badStatus.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const notObject = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'x', rawBody: '[1,2]' });
    expect(notObject.status).toBe(400);

    const body = 'externalNo=' + ticketNo;
    const timestamp = String(Math.floor(h.clock.now().getTime() / 1000));
    const form = await fetch(h.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        [SIGNATURE_HEADERS.appId]: APP_ID,
        [SIGNATURE_HEADERS.timestamp]: timestamp,
        [SIGNATURE_HEADERS.nonce]: 'abcdefgh12',
        [SIGNATURE_HEADERS.signature]: sign(SECRET, timestamp, 'abcdefgh12', body),
      },
      body,
    });
    expect(form.status).toBe(415);
    expect(await snapshot(ticketNo, 'u1')).toEqual(before);
  });

  it('ignores an out-of-order status (accepted after closed) with a log and a 200, state unchanged', async () => {
    const ticketNo = await delivered('o1');
    await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'closed', eventId: 'o-1' });
    const before = await snapshot(ticketNo, 'o1');
    const texts = h.gateway.citizen.length;
    const late = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'accepted', eventId: 'o-2' });
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({
      ok: true,
      result: 'ignored',
      reason: 'out_of_order',
      current: 'closed',
    });
    expect(await snapshot(ticketNo, 'o1')).toEqual(before);
    expect(h.gateway.citizen.length).toBe(texts);
    expect(h.logs().some((r) => r['msg'] === '12345 status callback out of order; ignored')).toBe(true);
  });

  it('dedupes a repeated callback (same event id, or same body without one)', async () => {
    const ticketNo = await delivered('k1');
    const first = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'accepted', eventId: 'k-1' });
    expect(await first.json()).toEqual({ ok: true, result: 'applied' });
    const infos = h.gateway.staff.length;
    const again = await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: 'accepted', eventId: 'k-1' });
    expect(await again.json()).toEqual({ ok: true, result: 'duplicate' });
    const raw = JSON.stringify({ externalNo: ticketNo, status: 'in_progress' });
    expect(
      await (await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: '', rawBody: raw })).json(),
    ).toEqual({
      ok: true,
      result: 'applied',
    });
    expect(
      await (await h.fake.sendCallback(h.callbackUrl, ticketNo, { status: '', rawBody: raw })).json(),
    ).toEqual({
      ok: true,
      result: 'duplicate',
    });
    expect((await h.events(ticketNo)).filter((e) => e.type === 'status')).toHaveLength(2);
    expect(h.gateway.staff.length).toBe(infos + 1 + supervisors.length);
  });
});
