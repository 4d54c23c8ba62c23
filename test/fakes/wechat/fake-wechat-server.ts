/**
 * A loopback fake of the WeChat Official Account API (protocols §6.5–6.7) for tests and the demo.
 * It issues and checks access_tokens (cgi-bin/token and stable_token), enforces the customer-service
 * window of message/custom/send (a citizen message opens 48 h / 5 messages, a click or subscribe
 * 1 min / 3; outside → 45015, quota used → 45047, unsubscribed → 43004), serves media/get (video as
 * `{"video_url"}`), takes media/upload, validates menu/create, records every call, and fails on command.
 *
 *   const fake = await startFakeWechat({ appId: 'wx…', secret: 's' });
 *   fake.citizenWrote('openid-1');            // what a real citizen's message does to the window
 *   expect(fake.sent('openid-1')).toHaveLength(1);
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Path after /cgi-bin/, e.g. `message/custom/send`. */
  api: string;
  method: string;
  query: Record<string, string>;
  /** Parsed JSON body, or null (multipart, GET). */
  body: Record<string, unknown> | null;
  at: number;
  errcode: number;
}

export type Failure =
  { status: number; body?: string } | { errcode: number; errmsg?: string } | { destroy: true };

export interface FakeMedia {
  data: Buffer;
  contentType: string;
  fileName: string;
  /** Set by media/upload. */
  type?: string;
}

export interface FakeWechatOptions {
  appId?: string;
  secret?: string;
  /** Milliseconds since epoch; tests with a ManualClock pass theirs. */
  now?: () => number;
  tokenSeconds?: number;
  /**
   * Demo: a citizen the fake has not heard of counts as having just written (the fake never sees the
   * callbacks bangban gets). Tests leave it off and call `citizenWrote`.
   */
  assumeCitizenWrote?: boolean;
}

export interface FakeWechat {
  url: string;
  appId: string;
  secret: string;
  calls: RecordedCall[];
  callsTo(api: string): RecordedCall[];
  /** Custom messages WeChat accepted (errcode 0), for one citizen or all. */
  sent(openId?: string): Record<string, unknown>[];
  /** A citizen's message: opens the 48 h / 5 window (as WeChat does when the push is sent). */
  citizenWrote(openId: string, at?: number): void;
  /** A click or subscribe: 1 min / 3 messages. */
  citizenClicked(openId: string, at?: number): void;
  citizenUnsubscribed(openId: string): void;
  failNext(api: string, failure: Failure, times?: number): void;
  /** Every issued token now answers 42001 (expired). */
  expireTokens(): void;
  /** Media media/get serves, and what media/upload stored. */
  media: Map<string, FakeMedia>;
  /** The last menu menu/create accepted. */
  menu: Record<string, unknown> | null;
  close(): Promise<void>;
}

const WINDOW = { message: { ms: 48 * 3600_000, quota: 5 }, event: { ms: 60_000, quota: 3 } };

export async function startFakeWechat(options: FakeWechatOptions = {}): Promise<FakeWechat> {
  const appId = options.appId ?? 'wxfakeappid0001';
  const secret = options.secret ?? 'fake-app-secret';
  const now = options.now ?? (() => Date.now());
  const tokenMs = (options.tokenSeconds ?? 7200) * 1000;
  const calls: RecordedCall[] = [];
  const failures = new Map<string, Failure[]>();
  const tokens = new Map<string, { expiresAt: number; expired: boolean; stable: boolean }>();
  const windows = new Map<string, { until: number; quota: number; unsubscribed: boolean }>();
  const media = new Map<string, FakeMedia>();
  let menu: Record<string, unknown> | null = null;
  let stableToken: string | null = null;
  let serial = 0;

  const issue = (stable: boolean): { token: string; expiresIn: number } => {
    const token = `${stable ? 'STABLE' : 'TOKEN'}_${randomBytes(12).toString('hex')}`;
    tokens.set(token, { expiresAt: now() + tokenMs, expired: false, stable });
    return { token, expiresIn: Math.floor(tokenMs / 1000) };
  };
  const tokenError = (token: string | undefined): number => {
    if (!token) return 41001;
    const known = tokens.get(token);
    if (!known) return 40001;
    if (known.expired || now() >= known.expiresAt) return 42001;
    return 0;
  };

  type Answer = { json?: Record<string, unknown>; raw?: { data: Buffer; headers: Record<string, string> } };
  const ok = (extra: Record<string, unknown> = {}): Answer => ({
    json: { errcode: 0, errmsg: 'ok', ...extra },
  });
  const err = (errcode: number, errmsg: string): Answer => ({ json: { errcode, errmsg } });

  function customSend(body: Record<string, unknown>): Answer {
    const openId = body['touser'];
    const type = body['msgtype'];
    if (typeof openId !== 'string' || openId === '') return err(40003, 'invalid openid');
    if (!['text', 'image', 'voice', 'video', 'news', 'msgmenu'].includes(String(type)))
      return err(40008, 'invalid message type');
    const content = body[String(type)] as Record<string, unknown> | undefined;
    if (!content || typeof content !== 'object') return err(44002, 'empty post data');
    if (type === 'text' && Buffer.byteLength(String(content['content'] ?? ''), 'utf8') > 2048)
      return err(45002, 'content size out of limit');
    if (['image', 'voice', 'video'].includes(String(type)) && !media.has(String(content['media_id'])))
      return err(40007, 'invalid media_id');
    if (options.assumeCitizenWrote && !windows.has(openId)) open(openId, 'message');
    const window = windows.get(openId);
    if (window?.unsubscribed) return err(43004, 'require subscribe');
    if (!window || now() >= window.until)
      return err(45015, 'response out of time limit or subscription is canceled');
    if (window.quota <= 0) return err(45047, 'out of response count limit');
    window.quota -= 1;
    return ok();
  }

  function menuCreate(body: Record<string, unknown>): Answer {
    const buttons = body['button'];
    if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > 3)
      return err(40016, 'invalid button size');
    const check = (button: Record<string, unknown>, sub: boolean): number => {
      const name = String(button['name'] ?? '');
      if (name === '' || Buffer.byteLength(name, 'utf8') > (sub ? 60 : 16)) return sub ? 40018 : 40017;
      const children = button['sub_button'];
      if (Array.isArray(children)) {
        if (sub) return 40023;
        if (children.length === 0 || children.length > 5) return 40023;
        for (const child of children) {
          const code = check(child as Record<string, unknown>, true);
          if (code) return code;
        }
        return 0;
      }
      if (button['type'] === 'click')
        return typeof button['key'] === 'string' && button['key'] !== '' ? 0 : 40019;
      if (button['type'] === 'view') return /^https?:\/\//.test(String(button['url'] ?? '')) ? 0 : 40055;
      return 40054;
    };
    for (const button of buttons) {
      const code = check(button as Record<string, unknown>, false);
      if (code) return err(code, 'invalid menu');
    }
    menu = body;
    return ok();
  }

  async function upload(req: IncomingMessage, raw: Buffer, type: string): Promise<Answer> {
    if (!['image', 'voice', 'video', 'thumb'].includes(type)) return err(40004, 'invalid media type');
    const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } })
      .formData()
      .catch(() => null);
    const file = form?.get('media');
    if (!file || typeof file === 'string') return err(41005, 'media data missing');
    const mediaId = `up_${type}_${++serial}_${randomBytes(4).toString('hex')}`;
    media.set(mediaId, {
      data: Buffer.from(await file.arrayBuffer()),
      contentType: file.type || 'application/octet-stream',
      fileName: file.name,
      type,
    });
    return ok({ type, media_id: mediaId, created_at: Math.floor(now() / 1000) });
  }

  async function answer(
    req: IncomingMessage,
    api: string,
    query: Record<string, string>,
    raw: Buffer,
    body: Record<string, unknown> | null,
  ): Promise<Answer> {
    if (api === 'token') {
      if (query['grant_type'] !== 'client_credential') return err(40002, 'invalid grant_type');
      if (query['appid'] !== appId) return err(40013, 'invalid appid');
      if (query['secret'] !== secret)
        return err(40001, 'invalid credential, access_token is invalid or not latest');
      const { token, expiresIn } = issue(false);
      return { json: { access_token: token, expires_in: expiresIn } };
    }
    if (api === 'stable_token') {
      if (req.method !== 'POST' || !body) return err(47001, 'data format error');
      if (body['appid'] !== appId) return err(40013, 'invalid appid');
      if (body['secret'] !== secret) return err(40125, 'invalid appsecret');
      const current = stableToken ? tokens.get(stableToken) : undefined;
      if (
        !stableToken ||
        !current ||
        current.expired ||
        now() >= current.expiresAt ||
        body['force_refresh'] === true
      )
        stableToken = issue(true).token;
      const left = Math.floor((tokens.get(stableToken)!.expiresAt - now()) / 1000);
      return { json: { access_token: stableToken, expires_in: left } };
    }
    const tokenCode = tokenError(query['access_token']);
    if (tokenCode) return err(tokenCode, 'invalid or expired access_token');
    switch (api) {
      case 'message/custom/send':
        return body ? customSend(body) : err(47001, 'data format error');
      case 'menu/create':
        return body ? menuCreate(body) : err(47001, 'data format error');
      case 'media/upload':
        return upload(req, raw, query['type'] ?? '');
      case 'media/get': {
        const file = media.get(query['media_id'] ?? '');
        if (!file) return err(40007, 'invalid media_id');
        if (file.contentType.startsWith('video/'))
          return { json: { video_url: `${url}/fake-video/${encodeURIComponent(query['media_id']!)}` } };
        return {
          raw: {
            data: file.data,
            headers: {
              'Content-Type': file.contentType,
              'Content-disposition': `attachment; filename="${encodeURIComponent(file.fileName)}"`,
            },
          },
        };
      }
      default:
        return err(48001, 'api unauthorized');
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    if (parsed.pathname.startsWith('/fake-video/')) {
      const file = media.get(decodeURIComponent(parsed.pathname.slice('/fake-video/'.length)));
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': file.contentType }).end(file.data);
      return;
    }
    const api = parsed.pathname.replace(/^\/cgi-bin\//, '');
    const query = Object.fromEntries(parsed.searchParams);
    let body: Record<string, unknown> | null = null;
    if (String(req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = null;
      }
    }
    const queued = failures.get(api);
    const failure = queued?.shift();
    if (queued && queued.length === 0) failures.delete(api);
    if (failure) {
      if ('destroy' in failure) {
        req.socket.destroy();
        return;
      }
      calls.push({
        api,
        method: req.method ?? 'GET',
        query,
        body,
        at: now(),
        errcode: 'errcode' in failure ? failure.errcode : -2,
      });
      if ('status' in failure) {
        res.writeHead(failure.status, { 'Content-Type': 'text/plain' }).end(failure.body ?? 'fake failure');
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ errcode: failure.errcode, errmsg: failure.errmsg ?? 'fake failure' }));
      return;
    }
    const result = await answer(req, api, query, raw, body);
    calls.push({
      api,
      method: req.method ?? 'GET',
      query,
      body,
      at: now(),
      errcode: Number(result.json?.['errcode'] ?? 0),
    });
    if (result.raw) {
      res.writeHead(200, result.raw.headers).end(result.raw.data);
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(result.json));
  }

  const server: Server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const open = (openId: string, kind: keyof typeof WINDOW, at = now()) => {
    const current = windows.get(openId);
    const next = { until: at + WINDOW[kind].ms, quota: WINDOW[kind].quota, unsubscribed: false };
    // A click must not cut short a message's longer window that still has messages left.
    if (
      kind === 'event' &&
      current &&
      !current.unsubscribed &&
      current.until > next.until &&
      current.quota > 0
    )
      return;
    windows.set(openId, next);
  };

  return {
    url,
    appId,
    secret,
    calls,
    callsTo: (api) => calls.filter((call) => call.api === api),
    sent: (openId) =>
      calls
        .filter(
          (c) =>
            c.api === 'message/custom/send' && c.errcode === 0 && (!openId || c.body?.['touser'] === openId),
        )
        .map((c) => c.body!),
    citizenWrote: (openId, at) => open(openId, 'message', at),
    citizenClicked: (openId, at) => open(openId, 'event', at),
    citizenUnsubscribed(openId) {
      windows.set(openId, { until: 0, quota: 0, unsubscribed: true });
    },
    failNext(api, failure, times = 1) {
      failures.set(api, [...(failures.get(api) ?? []), ...Array.from({ length: times }, () => failure)]);
    },
    expireTokens() {
      for (const token of tokens.values()) token.expired = true;
    },
    media,
    get menu() {
      return menu;
    },
    close: () =>
      new Promise<void>((resolve) => {
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
