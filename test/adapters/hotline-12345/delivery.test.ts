import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { clearTables, startHotlineHarness, type HotlineHarness } from './hotline-harness.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-hotline-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = testConfig((raw) => {
  raw['hotline12345'] = { maxAttempts: 6, timeoutMs: 500 };
});
const supervisorsOfPrep = () => {
  const item = config.items.find((i) => i.id === 'preparation-registration')!;
  return config.staff
    .filter((s) => s.roles.includes('supervisor') && s.department === item.department)
    .map((s) => s.id);
};

describe.each(backends)('12345 ticket delivery on %s (R4)', (backend) => {
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

  it('builds the ticket from the conversation in the push transaction, and delivers it signed', async () => {
    const conversationId = await h.handOff('d1');
    const ticketNo = await h.push('d1');
    expect(ticketNo).toMatch(/^BB-20261127-[A-Z0-9]+-1$/);
    const stored = await h.ticket(ticketNo);
    expect(stored).toMatchObject({
      conversationId,
      sequence: 1,
      status: 'pending',
      staffId: 'zhang-wei',
      itemId: 'preparation-registration',
      appealType: '咨询',
      urgency: '一般',
      reason: '涉及跨部门协调',
    });
    expect((await h.outboxRows()).map((row) => row.idempotencyKey)).toEqual([
      `hotline12345:${conversationId}`,
    ]);

    await h.settle();
    const [request] = h.fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/api/v1/tickets',
      signatureOk: true,
      outcome: 'created',
    });
    expect(request!.headers['idempotency-key']).toBe(ticketNo);
    const body = JSON.parse(request!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      externalNo: ticketNo,
      source: '一网通办帮办',
      appealType: '咨询',
      urgency: '一般',
      transferReason: '涉及跨部门协调',
      item: { code: 'preparation-registration', name: '医疗机构制剂注册' },
      requester: { channel: 'webchat', channelUserId: 'd1', realName: false },
      helper: { name: expect.any(String) },
    });
    // The chat channels give no name or phone: the fields are left out, not invented.
    expect(body['requester']).not.toHaveProperty('phone');
    expect(body['title']).toContain('医疗机构制剂注册');
    expect(body['content']).toContain('诉求摘要：我要投诉审批太慢');
    expect(body['content']).toContain('转办原因：涉及跨部门协调');
    expect(body['content']).toContain('服务对象：转人工');

    const sent = await h.ticket(ticketNo);
    expect(sent).toMatchObject({ status: 'sent', hotlineNo: 'SH12345-000001' });
    // The number came with the response: the citizen hears it once, with what happens next.
    const told = h.gateway.textsTo('d1').filter((t) => t.includes('SH12345-000001'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('1 个工作日内');
    expect((await h.events(ticketNo)).map((e) => e.type)).toEqual(['created', 'sent']);
  });

  it('12345 down for a while: retried with growing backoff, none lost, none duplicated, all delivered on recovery', async () => {
    h.fake.setDown(true);
    const numbers: string[] = [];
    for (const user of ['o1', 'o2', 'o3']) {
      await h.handOff(user);
      numbers.push(await h.push(user));
    }
    await h.settle();
    await h.advance(20_000);
    const failedSoFar = h.fake.requests.filter((r) => r.outcome === 'failed');
    expect(failedSoFar.length).toBeGreaterThanOrEqual(9);
    for (const ticketNo of numbers) expect((await h.ticket(ticketNo)).status).toBe('pending');

    // Attempts of one ticket come further and further apart (1 s base, doubling, jitter fixed).
    const times = h.fake.requests
      .filter((r) => JSON.parse(r.body).externalNo === numbers[0])
      .map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < gaps.length; i += 1) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);

    h.fake.setDown(false);
    await h.advance(30_000, 500);
    expect(h.fake.tickets.size).toBe(3);
    for (const ticket of h.fake.tickets.values()) expect(ticket.requests).toBe(1);
    for (const ticketNo of numbers) {
      const row = await h.ticket(ticketNo);
      expect(row.status).toBe('sent');
      expect(row.hotlineNo).toBe(h.fake.tickets.get(ticketNo)!.hotlineNo);
      const types = (await h.events(ticketNo)).map((e) => e.type);
      expect(types[0]).toBe('created');
      expect(types.at(-1)).toBe('sent');
      expect(types.filter((t) => t === 'delivery_failed').length).toBeGreaterThanOrEqual(3);
    }
    expect((await h.outboxRows()).map((row) => row.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('a lost response (created, then the connection drops) is retried without a second ticket', async () => {
    await h.handOff('l1');
    const ticketNo = await h.push('l1');
    h.fake.dropResponseNext(1);
    await h.settle();
    expect(h.fake.requests.map((r) => r.outcome)).toEqual(['dropped']);
    expect((await h.ticket(ticketNo)).status).toBe('pending');
    await h.advance(3_000);
    expect(h.fake.requests.map((r) => r.outcome)).toEqual(['dropped', 'repeated']);
    expect(h.fake.tickets.size).toBe(1);
    expect(h.fake.tickets.get(ticketNo)!.requests).toBe(2);
    expect(await h.ticket(ticketNo)).toMatchObject({
      status: 'sent',
      hotlineNo: h.fake.tickets.get(ticketNo)!.hotlineNo,
    });
    expect(h.gateway.textsTo('l1').filter((t) => t.includes('工单编号'))).toHaveLength(1);
  });

  it('a hanging 12345 times out (retryable) and the retry delivers once', async () => {
    await h.handOff('t1');
    const ticketNo = await h.push('t1');
    h.fake.hangNext(1);
    await h.settle();
    expect(h.fake.requests.map((r) => r.outcome)).toEqual(['hung']);
    const [failure] = (await h.events(ticketNo)).filter((e) => e.type === 'delivery_failed');
    expect(String((failure!.data as { error: string }).error)).toContain('did not answer in time');
    await h.advance(3_000);
    expect(h.fake.tickets.size).toBe(1);
    expect((await h.ticket(ticketNo)).status).toBe('sent');
  });

  it('gives up after the retry limit: ticket failed, outbox dead, helper and supervisors alerted', async () => {
    await h.handOff('f1');
    const ticketNo = await h.push('f1');
    h.fake.failNext(100, 502);
    await h.settle();
    await h.advance(120_000, 1000);
    expect(h.fake.requests.filter((r) => r.outcome === 'failed')).toHaveLength(6);
    expect(await h.ticket(ticketNo)).toMatchObject({ status: 'failed' });
    expect((await h.outboxRows()).map((row) => row.status)).toEqual(['dead']);
    for (const staffId of ['zhang-wei', ...supervisorsOfPrep()])
      expect(h.gateway.infoTo(staffId).join('\n')).toContain(`12345 工单 ${ticketNo}`);
    expect(supervisorsOfPrep().length).toBeGreaterThan(0);
    // No further attempts once dead.
    await h.advance(60_000, 5000);
    expect(h.fake.requests.filter((r) => r.outcome === 'failed')).toHaveLength(6);
  });

  it('an error retrying cannot fix (4xx) fails the ticket at once', async () => {
    await h.handOff('b1');
    const ticketNo = await h.push('b1');
    h.fake.failNext(1, 400);
    await h.settle();
    expect(h.fake.requests).toHaveLength(1);
    expect(await h.ticket(ticketNo)).toMatchObject({ status: 'failed' });
    expect((await h.ticket(ticketNo)).lastError).toContain('HTTP 400');
  });
});

describe.each(backends)('12345 gateway switched off on %s', (backend) => {
  const test = useTestDatabase(backend);
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });

  it('keeps tickets pending and tells the helper; sends them once the gateway is switched on', async () => {
    await clearTables(test.database);
    const off = await startHotlineHarness(test.database, config, { on: false, dataDir });
    let on: HotlineHarness | undefined;
    try {
      expect(off.status).toContain('12345 gateway is off');
      expect(off.status).toContain('HOTLINE_12345_BASE_URL');
      await off.handOff('p1');
      const ticketNo = await off.push('p1');
      await off.settle();
      expect(await off.ticket(ticketNo)).toMatchObject({ status: 'pending' });
      expect((await off.events(ticketNo)).map((e) => e.type)).toEqual(['created', 'parked']);
      expect(off.gateway.infoTo('zhang-wei').join('\n')).toContain('12345 网关未启用');
      expect(off.fake.requests).toHaveLength(0);

      on = await startHotlineHarness(test.database, config, { dataDir, fake: off.fake });
      expect(on.status).toContain('12345 gateway is on');
      await on.settle();
      expect(off.fake.tickets.get(ticketNo)).toBeDefined();
      expect(await on.ticket(ticketNo)).toMatchObject({ status: 'sent' });
      // A second start finds nothing parked any more.
      const again = await startHotlineHarness(test.database, config, { dataDir, fake: off.fake });
      await again.settle();
      await again.close();
      expect(off.fake.tickets.get(ticketNo)!.requests).toBe(1);
    } finally {
      await on?.close();
      await off.close();
    }
  });
});
