/**
 * A loopback fake of a local 12345 platform speaking bangban's default interface
 * (adapters/hotline-12345/README.md): verifies the HMAC signature of each ticket request, creates
 * each ticket once per agency ticket number (a retry gets the same 12345 number, like a real
 * idempotent server), and can be told to fail (5xx), hang, or create the ticket and then drop the
 * connection (a lost response). It also sends signed status callbacks to bangban.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, SIGNATURE_HEADERS, verifySignedRequest } from '../../../adapters/hotline-12345/signing.ts';

export interface FakeTicket {
  agencyTicketNo: string;
  hotlineNo: string;
  body: Record<string, unknown>;
  /** How many create requests named this ticket (1 = no retries reached the server). */
  requests: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The fake's clock when the request arrived (epoch ms). */
  at: number;
  signatureOk: boolean;
  /** What the fake did: created, repeated (idempotent replay), rejected, failed, hung, dropped. */
  outcome: 'created' | 'repeated' | 'rejected' | 'failed' | 'hung' | 'dropped' | 'not_found';
}

export interface FakeHotlineOptions {
  appId: string;
  secret: string;
  /** Epoch ms; defaults to the real clock. Signatures are checked against it (±300 s). */
  now?: () => number;
  createPath?: string;
  /** Sent after each new ticket (the demo): a signed `accepted` callback to this URL after delayMs. */
  autoAccept?: { callbackUrl: string; delayMs: number };
}

export interface CallbackOptions {
  status: string;
  hotlineNo?: string;
  reason?: string;
  eventId?: string;
  /** Override signing, to test rejections. */
  secret?: string;
  appId?: string;
  timestampSeconds?: number;
  /** Send this raw body instead of the JSON built from the fields. */
  rawBody?: string;
  /** Extra or replacing body fields. */
  extra?: Record<string, unknown>;
}

export interface FakeHotline {
  url: string;
  requests: RecordedRequest[];
  tickets: Map<string, FakeTicket>;
  /** Answer the next `count` create requests with `status` (default 503) without creating. */
  failNext(count: number, status?: number): void;
  /** While down, every create request gets 503. */
  setDown(down: boolean): void;
  /** Hold the next `count` create requests without answering (the client's timeout fires). */
  hangNext(count: number): void;
  /** Create the ticket, then destroy the connection before answering, `count` times. */
  dropResponseNext(count: number): void;
  /** Sends a signed status callback for `agencyTicketNo` to `url`. */
  sendCallback(url: string, agencyTicketNo: string, options: CallbackOptions): Promise<Response>;
  close(): Promise<void>;
}

export async function startFakeHotline(options: FakeHotlineOptions): Promise<FakeHotline> {
  const now = options.now ?? (() => Date.now());
  const createPath = options.createPath ?? '/api/v1/tickets';
  const requests: RecordedRequest[] = [];
  const tickets = new Map<string, FakeTicket>();
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let failing: { count: number; status: number } = { count: 0, status: 503 };
  let down = false;
  let hangCount = 0;
  let dropCount = 0;
  let serial = 0;

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const verified = verifySignedRequest({
      headers: req.headers,
      body,
      appId: options.appId,
      secret: options.secret,
      now: new Date(now()),
      windowSeconds: 300,
    });
    const record: RecordedRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body,
      at: now(),
      signatureOk: verified.ok,
      outcome: 'rejected',
    };
    requests.push(record);
    if (req.method !== 'POST' || path !== createPath) {
      record.outcome = 'not_found';
      return reply(res, 404, { code: 404, message: 'no such endpoint' });
    }
    if (!verified.ok) return reply(res, 401, { code: 401, message: verified.message });
    if (down || failing.count > 0) {
      record.outcome = 'failed';
      const status = down ? 503 : failing.status;
      if (!down) failing = { ...failing, count: failing.count - 1 };
      return reply(res, status, { code: status, message: 'service unavailable' });
    }
    if (hangCount > 0) {
      hangCount -= 1;
      record.outcome = 'hung';
      hanging.add(res);
      return;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return reply(res, 400, { code: 400, message: 'body is not JSON' });
    }
    const agencyTicketNo = typeof parsed['externalNo'] === 'string' ? parsed['externalNo'] : '';
    const idempotencyKey = req.headers['idempotency-key'];
    if (!agencyTicketNo || idempotencyKey !== agencyTicketNo)
      return reply(res, 400, { code: 400, message: 'externalNo and Idempotency-Key must match' });
    if (typeof parsed['title'] !== 'string' || typeof parsed['content'] !== 'string')
      return reply(res, 400, { code: 400, message: 'title and content are required' });
    let ticket = tickets.get(agencyTicketNo);
    if (ticket) {
      ticket.requests += 1;
      record.outcome = 'repeated';
    } else {
      serial += 1;
      ticket = {
        agencyTicketNo,
        hotlineNo: `SH12345-${String(serial).padStart(6, '0')}`,
        body: parsed,
        requests: 1,
      };
      tickets.set(agencyTicketNo, ticket);
      record.outcome = 'created';
      if (options.autoAccept) scheduleAccept(ticket, options.autoAccept);
    }
    if (dropCount > 0) {
      dropCount -= 1;
      record.outcome = 'dropped';
      req.socket.destroy();
      return;
    }
    reply(res, record.outcome === 'created' ? 201 : 200, { ticketNo: ticket.hotlineNo, status: 'received' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { code: 500, message: 'fake failed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sendCallback: FakeHotline['sendCallback'] = async (target, agencyTicketNo, cb) => {
    const ticket = tickets.get(agencyTicketNo);
    const body =
      cb.rawBody ??
      JSON.stringify({
        eventId: cb.eventId ?? `evt-${randomBytes(6).toString('hex')}`,
        externalNo: agencyTicketNo,
        ticketNo: cb.hotlineNo ?? ticket?.hotlineNo,
        status: cb.status,
        ...(cb.reason ? { reason: cb.reason } : {}),
        occurredAt: new Date(now()).toISOString(),
        ...cb.extra,
      });
    const timestamp = String(cb.timestampSeconds ?? Math.floor(now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    return fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADERS.appId]: cb.appId ?? options.appId,
        [SIGNATURE_HEADERS.timestamp]: timestamp,
        [SIGNATURE_HEADERS.nonce]: nonce,
        [SIGNATURE_HEADERS.signature]: sign(cb.secret ?? options.secret, timestamp, nonce, body),
      },
      body,
    });
  };

  function scheduleAccept(ticket: FakeTicket, auto: { callbackUrl: string; delayMs: number }): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      sendCallback(auto.callbackUrl, ticket.agencyTicketNo, { status: 'accepted' }).catch(() => undefined);
    }, auto.delayMs);
    timers.add(timer);
  }

  return {
    url,
    requests,
    tickets,
    failNext(count, status = 503) {
      failing = { count, status };
    },
    setDown(value) {
      down = value;
    },
    hangNext(count) {
      hangCount = count;
    },
    dropResponseNext(count) {
      dropCount = count;
    },
    sendCallback,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
