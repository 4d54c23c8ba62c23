/**
 * A loopback fake of the DingTalk APIs bangban uses (protocols/dingtalk.md §2, §4, §6, §7), on one
 * port for both api.dingtalk.com and oapi.dingtalk.com paths: oauth2/accessToken, the app robot's
 * oToMessages/batchSend, groupMessages/send and messageFiles/download (with the file behind the
 * download URL), oapi media/upload, custom robot webhooks (加签 checked, 20/min → 410100, then
 * blocked 10 min) and session webhooks (expiry checked). Errors come back the way DingTalk sends
 * them: HTTP 200 + errcode for oapi and webhooks, HTTP 4xx + {code, message} for the new API.
 *
 *   const fake = await startFakeDingtalk({ appKey, appSecret, now: () => clock.now().getTime() });
 *   const webhook = fake.addRobot('prep', 'SEC…');      // custom robot webhook URL
 *   const session = fake.openSession('user:dt-zhangwei', expiresAtMs);
 *   fake.failNext('robot/oToMessages/batchSend', { status: 503 });
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { robotSign } from '../../../adapters/dingtalk/crypto.ts';
import { acceptKey, encodeFrame, FrameReader, OPCODE } from '../../../adapters/dingtalk/websocket.ts';

/** What the app sent back for a pushed frame (ACK or ping echo). */
export interface StreamAck {
  code: number;
  headers: Record<string, string>;
  message: string;
  data: string;
}

/** The fake Stream gateway (§6): connections/open tickets and the WebSocket endpoint. */
export interface FakeStreamGateway {
  /** connections/open calls answered with a ticket. */
  opens(): number;
  /** Subscriptions the last connections/open asked for. */
  lastSubscriptions(): unknown;
  connected(): number;
  /** Pushes a frame to the newest connection; resolves with the app's answer to its messageId. */
  push(frame: {
    type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
    headers: Record<string, string>;
    data: string;
  }): Promise<StreamAck>;
  /** Waits until `n` connections have been opened in total. */
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  /** Cuts every connection without a close frame. */
  dropAll(): void;
}

export interface RecordedCall {
  /** e.g. `robot/oToMessages/batchSend`, `robot/send`, `sendBySession`, `media/upload`. */
  api: string;
  /** Who it reached: userids (batchSend), the session's owner, the robot's name, the group cid. */
  to: string[];
  body: Record<string, unknown> | null;
  query: Record<string, string>;
  at: number;
  /** What the fake answered: '0' for success, else errcode/code. */
  result: string;
  /** A repeat of an earlier msgUuid: accepted but not shown again. */
  duplicate?: boolean;
}

export type Failure =
  | { status: number; body?: string }
  | { errcode: number; errmsg?: string }
  | { code: string; message?: string; status?: number }
  | { delayMs: number };

export interface FakeDingtalkOptions {
  appKey?: string;
  appSecret?: string;
  now?: () => number;
  /** Custom robot messages per minute before 410100 (default 20). */
  robotPerMinute?: number;
  tokenSeconds?: number;
}

export interface FakeDingtalk {
  url: string;
  calls: RecordedCall[];
  callsTo(api: string): RecordedCall[];
  /** Messages that reached `to` (successful sends, duplicates of a msgUuid excluded). */
  delivered(to: string): RecordedCall[];
  /** Registers a custom robot; returns its webhook URL (`…/robot/send?access_token=…`). */
  addRobot(name: string, secret?: string): string;
  /** A session webhook for `owner` valid until `expiresAtMs`. */
  openSession(owner: string, expiresAtMs: number): string;
  /** A file the app robot can download with `downloadCode`. */
  addFile(downloadCode: string, file: { bytes: Buffer; contentType: string; fileName?: string }): void;
  /** Media uploaded through media/upload, by media_id. */
  uploads: Map<string, { type: string; bytes: Buffer; fileName: string }>;
  failNext(api: string, failure: Failure, times?: number): void;
  tokensIssued(): number;
  stream: FakeStreamGateway;
  close(): Promise<void>;
}

export async function startFakeDingtalk(options: FakeDingtalkOptions = {}): Promise<FakeDingtalk> {
  const appKey = options.appKey ?? 'dingappkey';
  const appSecret = options.appSecret ?? 'dingappsecret';
  const now = options.now ?? (() => Date.now());
  const robotPerMinute = options.robotPerMinute ?? 20;
  const calls: RecordedCall[] = [];
  const failures = new Map<string, Failure[]>();
  const tokens = new Map<string, number>();
  const robots = new Map<string, { name: string; secret?: string; sent: number[]; blockedUntil: number }>();
  const sessions = new Map<string, { owner: string; expiresAt: number }>();
  const files = new Map<string, { bytes: Buffer; contentType: string; fileName?: string }>();
  const uploads = new Map<string, { type: string; bytes: Buffer; fileName: string }>();
  const seenUuids = new Set<string>();
  let issued = 0;
  let url = '';
  const tickets = new Map<string, number>();
  let opens = 0;
  let totalConnections = 0;
  let subscriptions: unknown = null;
  const sockets: Duplex[] = [];
  const pendingAcks = new Map<string, (ack: StreamAck) => void>();

  const record = (call: Omit<RecordedCall, 'at'>) => {
    const full = { ...call, at: now() };
    calls.push(full);
    return full;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const oapiError = (res: ServerResponse, errcode: number, errmsg: string) =>
    json(res, 200, { errcode, errmsg });
  const apiError = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { code, message, requestid: randomBytes(8).toString('hex') });

  /** A queued failure for `api`, answered here; true when one was used. */
  async function failed(
    api: string,
    res: ServerResponse,
    body: Record<string, unknown> | null,
    query: Record<string, string>,
  ) {
    const queue = failures.get(api);
    const failure = queue?.shift();
    if (!failure) return false;
    if ('delayMs' in failure) {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return false;
    }
    if ('status' in failure && !('code' in failure)) {
      record({ api, to: [], body, query, result: `HTTP ${failure.status}` });
      res.writeHead(failure.status, { 'content-type': 'text/html' });
      res.end(failure.body ?? '<html>bad gateway</html>');
    } else if ('errcode' in failure) {
      record({ api, to: [], body, query, result: String(failure.errcode) });
      oapiError(res, failure.errcode, failure.errmsg ?? 'failure');
    } else {
      record({ api, to: [], body, query, result: failure.code });
      apiError(res, failure.status ?? 400, failure.code, failure.message ?? 'failure');
    }
    return true;
  }

  const validToken = (token: string | undefined) => {
    if (!token) return false;
    const expires = tokens.get(token);
    return expires !== undefined && expires > now();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(target.searchParams);
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    let body: Record<string, unknown> | null = null;
    if (contentType.includes('json') && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return oapiError(res, 40035, '缺少参数 json');
      }
    }
    const path = target.pathname;
    const newToken = String(req.headers['x-acs-dingtalk-access-token'] ?? '');

    if (req.method === 'POST' && path === '/v1.0/oauth2/accessToken') {
      if (await failed('oauth2/accessToken', res, null, query)) return;
      if (body?.['appKey'] !== appKey || body?.['appSecret'] !== appSecret) {
        record({ api: 'oauth2/accessToken', to: [], body: null, query, result: 'invalidClientIdOrSecret' });
        return apiError(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
      }
      const token = `tok-${randomBytes(8).toString('hex')}`;
      const seconds = options.tokenSeconds ?? 7200;
      tokens.set(token, now() + seconds * 1000);
      issued += 1;
      record({ api: 'oauth2/accessToken', to: [], body: null, query, result: '0' });
      return json(res, 200, { accessToken: token, expireIn: seconds });
    }

    if (req.method === 'POST' && path === '/v1.0/gateway/connections/open') {
      if (await failed('gateway/connections/open', res, null, query)) return;
      if (body?.['clientId'] !== appKey || body?.['clientSecret'] !== appSecret) {
        record({
          api: 'gateway/connections/open',
          to: [],
          body: null,
          query,
          result: 'invalidClientIdOrSecret',
        });
        return apiError(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
      }
      const ticket = randomBytes(12).toString('hex');
      tickets.set(ticket, Date.now() + 90_000);
      opens += 1;
      subscriptions = body['subscriptions'];
      record({ api: 'gateway/connections/open', to: [], body: { subscriptions }, query, result: '0' });
      return json(res, 200, { endpoint: `${url.replace(/^http/, 'ws')}/connect`, ticket });
    }

    const newApis: Record<string, string> = {
      '/v1.0/robot/oToMessages/batchSend': 'robot/oToMessages/batchSend',
      '/v1.0/robot/groupMessages/send': 'robot/groupMessages/send',
      '/v1.0/robot/messageFiles/download': 'robot/messageFiles/download',
    };
    const newApi = newApis[path];
    if (req.method === 'POST' && newApi) {
      if (await failed(newApi, res, body, query)) return;
      if (!validToken(newToken)) {
        record({ api: newApi, to: [], body, query, result: 'InvalidAuthentication' });
        return apiError(res, 401, 'InvalidAuthentication', '不合法的access_token');
      }
      if (!body || typeof body['robotCode'] !== 'string')
        return apiError(res, 400, 'MissingrobotCode', 'robotCode is mandatory for this action.');
      if (newApi === 'robot/messageFiles/download') {
        const code = String(body['downloadCode'] ?? '');
        record({ api: newApi, to: [], body, query, result: files.has(code) ? '0' : 'invalidDownloadCode' });
        if (!files.has(code)) return apiError(res, 400, 'invalidDownloadCode', 'downloadCode无效');
        return json(res, 200, {
          downloadUrl: `${url}/files/${encodeURIComponent(code)}?sig=${randomBytes(4).toString('hex')}`,
        });
      }
      if (typeof body['msgKey'] !== 'string' || typeof body['msgParam'] !== 'string')
        return apiError(res, 400, 'invalidParameter', 'msgKey and msgParam (a JSON string) are required');
      try {
        JSON.parse(body['msgParam']);
      } catch {
        return apiError(res, 400, 'invalidParameter.msgParam', 'msgParam is not JSON');
      }
      if (newApi === 'robot/groupMessages/send') {
        const cid = String(body['openConversationId'] ?? '');
        record({ api: newApi, to: [cid], body, query, result: '0' });
        return json(res, 200, { processQueryKey: randomBytes(8).toString('hex') });
      }
      const userIds = Array.isArray(body['userIds']) ? (body['userIds'] as string[]) : [];
      if (userIds.length === 0 || userIds.length > 20)
        return apiError(res, 400, 'too.many.people', 'userIds 1..20');
      record({ api: newApi, to: userIds, body, query, result: '0' });
      return json(res, 200, {
        processQueryKey: randomBytes(8).toString('hex'),
        invalidStaffIdList: [],
        flowControlledStaffIdList: [],
      });
    }

    if (req.method === 'GET' && path.startsWith('/files/')) {
      const code = decodeURIComponent(path.slice('/files/'.length));
      const file = files.get(code);
      if (!file) {
        res.writeHead(404);
        return void res.end();
      }
      res.writeHead(200, {
        'content-type': file.contentType,
        ...(file.fileName
          ? { 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}` }
          : {}),
      });
      return void res.end(file.bytes);
    }

    if (req.method === 'POST' && path === '/media/upload') {
      if (await failed('media/upload', res, null, query)) return;
      if (!validToken(query['access_token'])) return oapiError(res, 40014, '不合法的access_token');
      const part = parseMultipart(raw, contentType);
      if (!part) return oapiError(res, 40035, '缺少参数 media');
      const mediaId = `@media${randomBytes(6).toString('hex')}`;
      uploads.set(mediaId, { type: query['type'] ?? '', bytes: part.bytes, fileName: part.fileName });
      record({
        api: 'media/upload',
        to: [],
        body: { type: query['type'], fileName: part.fileName },
        query,
        result: '0',
      });
      return json(res, 200, {
        errcode: 0,
        errmsg: 'ok',
        media_id: mediaId,
        type: query['type'],
        created_at: now(),
      });
    }

    if (req.method === 'POST' && path === '/robot/send') {
      if (await failed('robot/send', res, body, query)) return;
      const robot = robots.get(query['access_token'] ?? '');
      if (!robot) return oapiError(res, 300005, 'token is not exist');
      if (!contentType.includes('application/json'))
        return oapiError(res, 43004, '无效的HTTP HEADER Content-Type');
      if (robot.secret) {
        const ts = Number(query['timestamp']);
        if (!Number.isFinite(ts) || Math.abs(now() - ts) > 3_600_000) {
          record({ api: 'robot/send', to: [robot.name], body, query, result: '310000' });
          return oapiError(res, 310000, 'invalid timestamp');
        }
        if (query['sign'] !== robotSign(query['timestamp']!, robot.secret)) {
          record({ api: 'robot/send', to: [robot.name], body, query, result: '310000' });
          return oapiError(res, 310000, 'sign not match');
        }
      }
      const t = now();
      if (robot.blockedUntil > t) {
        record({ api: 'robot/send', to: [robot.name], body, query, result: '410100' });
        return oapiError(res, 410100, '发送速度太快而限流');
      }
      robot.sent = robot.sent.filter((at) => t - at < 60_000);
      if (robot.sent.length >= robotPerMinute) {
        robot.blockedUntil = t + 10 * 60_000;
        record({ api: 'robot/send', to: [robot.name], body, query, result: '410100' });
        return oapiError(res, 410100, '发送速度太快而限流');
      }
      robot.sent.push(t);
      const duplicate = remember(body);
      record({
        api: 'robot/send',
        to: [robot.name],
        body,
        query,
        result: '0',
        ...(duplicate ? { duplicate } : {}),
      });
      return oapiError(res, 0, 'ok');
    }

    if (req.method === 'POST' && path === '/robot/sendBySession') {
      if (await failed('sendBySession', res, body, query)) return;
      const session = sessions.get(query['session'] ?? '');
      if (!session || session.expiresAt <= now()) {
        record({ api: 'sendBySession', to: session ? [session.owner] : [], body, query, result: '300001' });
        return oapiError(res, 300001, 'session expired or not exist');
      }
      const duplicate = remember(body);
      record({
        api: 'sendBySession',
        to: [session.owner],
        body,
        query,
        result: '0',
        ...(duplicate ? { duplicate } : {}),
      });
      return oapiError(res, 0, 'ok');
    }

    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'NotFound', message: `no fake for ${req.method} ${path}` }));
  }

  function remember(body: Record<string, unknown> | null): boolean {
    const uuid = typeof body?.['msgUuid'] === 'string' ? body['msgUuid'] : null;
    if (!uuid) return false;
    if (seenUuids.has(uuid)) return true;
    seenUuids.add(uuid);
    return false;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = new URL(req.url ?? '/', 'http://fake');
    const ticket = target.searchParams.get('ticket') ?? '';
    const validUntil = tickets.get(ticket);
    tickets.delete(ticket); // single use
    const key = req.headers['sec-websocket-key'];
    if (target.pathname !== '/connect' || !validUntil || validUntil < Date.now() || typeof key !== 'string') {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    sockets.push(socket);
    totalConnections += 1;
    const reader = new FrameReader();
    const onData = (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.opcode === OPCODE.ping) socket.write(encodeFrame(OPCODE.pong, frame.payload, false));
        else if (frame.opcode === OPCODE.close) socket.end(encodeFrame(OPCODE.close, frame.payload, false));
        else if (frame.opcode === OPCODE.text) {
          const ack = JSON.parse(frame.payload.toString('utf8')) as StreamAck;
          const id = ack.headers?.['messageId'] ?? '';
          pendingAcks.get(id)?.(ack);
          pendingAcks.delete(id);
        }
      }
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.splice(sockets.indexOf(socket), 1));
    if (head.length > 0) onData(head);
  });

  const stream: FakeStreamGateway = {
    opens: () => opens,
    lastSubscriptions: () => subscriptions,
    connected: () => sockets.length,
    push(frame) {
      const socket = sockets.at(-1);
      if (!socket) return Promise.reject(new Error('no Stream connection'));
      const messageId = frame.headers['messageId'] ?? randomBytes(6).toString('hex');
      const full = {
        specVersion: '1.0',
        ...frame,
        headers: { contentType: 'application/json', time: String(now()), ...frame.headers, messageId },
      };
      return new Promise<StreamAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(messageId);
          reject(new Error(`no answer to ${messageId}`));
        }, 5000);
        pendingAcks.set(messageId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        socket.write(encodeFrame(OPCODE.text, Buffer.from(JSON.stringify(full)), false));
      });
    },
    async waitForConnections(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (totalConnections < n || sockets.length === 0) {
        if (Date.now() > until) throw new Error(`only ${totalConnections} Stream connections`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    dropAll() {
      for (const socket of [...sockets]) socket.destroy();
    },
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    calls,
    uploads,
    callsTo: (api) => calls.filter((c) => c.api === api),
    delivered: (to) =>
      calls.filter((c) => c.result === '0' && !c.duplicate && c.to.includes(to) && c.api !== 'media/upload'),
    addRobot(name, secret) {
      const token = `robot-${randomBytes(8).toString('hex')}`;
      robots.set(token, { name, ...(secret ? { secret } : {}), sent: [], blockedUntil: 0 });
      return `${url}/robot/send?access_token=${token}`;
    },
    openSession(owner, expiresAtMs) {
      const session = randomBytes(12).toString('hex');
      sessions.set(session, { owner, expiresAt: expiresAtMs });
      return `${url}/robot/sendBySession?session=${session}`;
    },
    addFile(code, file) {
      files.set(code, file);
    },
    failNext(api, failure, times = 1) {
      const queue = failures.get(api) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(failure);
      failures.set(api, queue);
    },
    tokensIssued: () => issued,
    stream,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...sockets]) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The `media` part of a multipart body (enough for what undici's FormData sends). */
function parseMultipart(raw: Buffer, contentType: string): { bytes: Buffer; fileName: string } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark) return null;
  const text = raw.toString('latin1');
  for (const part of text.split(`--${mark}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const head = part.slice(0, headerEnd);
    if (!/name="media"/.test(head)) continue;
    const fileName = /filename="([^"]*)"/.exec(head)?.[1] ?? 'file';
    const body = part.slice(headerEnd + 4, part.endsWith('\r\n') ? -2 : undefined);
    return { bytes: Buffer.from(body, 'latin1'), fileName: Buffer.from(fileName, 'latin1').toString('utf8') };
  }
  return null;
}
