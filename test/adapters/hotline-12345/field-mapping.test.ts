/** A deployment maps bangban's ticket onto its local 12345 interface by config alone. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readCallback } from '../../../adapters/hotline-12345/field-map.ts';
import { verifySignedRequest } from '../../../adapters/hotline-12345/signing.ts';
import {
  createHttpTicketGateway,
  TicketGatewayError,
} from '../../../adapters/hotline-12345/ticket-gateway.ts';
import { ManualClock } from '../../../src/clock.ts';
import { hotline12345Schema } from '../../../src/config/hotline-config.ts';
import type { HotlineTicketDocument } from '../../../src/flows/hotline-types.ts';

const config = hotline12345Schema.parse({
  paths: { createTicket: '/gw/ticket/create' },
  timeoutMs: 500,
  fields: {
    ticket: {
      agencyTicketNo: 'bizNo',
      title: 'data.subject',
      content: 'data.detail',
      requesterPhone: 'caller.tel',
    },
    response: { hotlineNo: 'data.orderNo' },
    callback: { agencyTicketNo: 'bizNo', status: 'state', hotlineNo: 'orderNo', eventId: 'msgId' },
  },
  statusValues: { '2': 'accepted', '9': 'closed' },
});

const document: HotlineTicketDocument = {
  agencyTicketNo: 'BB-20261127-K7Q2-1',
  sourceChannel: '一网通办帮办',
  createdAt: '2026-11-27T02:00:00.000Z',
  requester: { channel: 'webchat', channelUserId: 'u1', realName: false },
  appealType: '咨询',
  itemId: 'preparation-registration',
  itemName: '医疗机构制剂注册',
  department: null,
  title: '【医疗机构制剂注册】审批太慢',
  content: '诉求摘要：审批太慢',
  transcriptUrl: null,
  attachments: [],
  reason: '跨部门',
  urgency: '一般',
  helperName: '张伟',
};

async function localServer(answer: (body: string, headers: Record<string, unknown>) => [number, string]) {
  const seen: { path: string; body: string; headers: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ path: req.url ?? '', body, headers: req.headers });
      const [status, text] = answer(body, req.headers);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('12345 field mapping and error classification', () => {
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  const settings = (url: string) => ({ baseUrl: url, appId: 'app', secret: 'secret-of-sixteen+' });

  it('sends the configured path and field names, signed, and reads the number where configured', async () => {
    const server = await localServer(() => [200, JSON.stringify({ code: 0, data: { orderNo: 'HX-1' } })]);
    try {
      const gateway = createHttpTicketGateway({ settings: settings(server.url), config, clock });
      expect(await gateway.createTicket(document)).toEqual({ hotlineNo: 'HX-1' });
      const [request] = server.seen;
      expect(request!.path).toBe('/gw/ticket/create');
      const body = JSON.parse(request!.body) as Record<string, unknown>;
      expect(body).toMatchObject({
        bizNo: 'BB-20261127-K7Q2-1',
        data: { subject: '【医疗机构制剂注册】审批太慢', detail: '诉求摘要：审批太慢' },
        transferReason: '跨部门',
      });
      expect(body).not.toHaveProperty('caller');
      expect(
        verifySignedRequest({
          headers: request!.headers as Record<string, string>,
          body: request!.body,
          appId: 'app',
          secret: 'secret-of-sixteen+',
          now: clock.now(),
          windowSeconds: 300,
        }),
      ).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('classifies answers: 5xx/429 retryable, other 4xx not, 409 is an idempotent success, refused is retryable', async () => {
    for (const [status, retryable] of [
      [503, true],
      [429, true],
      [400, false],
      [401, false],
    ] as const) {
      const server = await localServer(() => [status, '{}']);
      try {
        const gateway = createHttpTicketGateway({ settings: settings(server.url), config, clock });
        const failure = await gateway.createTicket(document).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(TicketGatewayError);
        expect(failure).toMatchObject({ retryable, status, failure: 'http' });
      } finally {
        await server.close();
      }
    }
    const conflict = await localServer(() => [409, JSON.stringify({ data: { orderNo: 'HX-9' } })]);
    try {
      const gateway = createHttpTicketGateway({ settings: settings(conflict.url), config, clock });
      expect(await gateway.createTicket(document)).toEqual({ hotlineNo: 'HX-9' });
    } finally {
      await conflict.close();
    }
    const refused = createHttpTicketGateway({ settings: settings('http://127.0.0.1:1'), config, clock });
    await expect(refused.createTicket(document)).rejects.toMatchObject({
      retryable: true,
      failure: 'network',
    });
  });

  it('maps callbacks with the configured names and status words', () => {
    expect(readCallback({ bizNo: 'BB-1', state: '2', orderNo: 7, msgId: 'm1' }, config)).toEqual({
      ok: true,
      callback: expect.objectContaining({
        agencyTicketNo: 'BB-1',
        status: 'accepted',
        hotlineNo: '7',
        eventId: 'm1',
      }),
    });
    expect(readCallback({ bizNo: 'BB-1', state: '办结' }, config)).toMatchObject({
      ok: true,
      callback: { status: 'closed' },
    });
    expect(readCallback({ bizNo: 'BB-1', state: '5' }, config)).toMatchObject({ ok: false, field: 'state' });
    expect(readCallback({ state: '2' }, config)).toMatchObject({ ok: false, field: 'bizNo' });
  });
});
