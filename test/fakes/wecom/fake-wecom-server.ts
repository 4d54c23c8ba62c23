/**
 * A loopback fake of the WeCom server API (protocols §5) for tests, `npm start` demo mode and the
 * benchmarks. It issues and checks access_tokens, records every call, enforces the documented
 * limits (30 app messages/min per member — the excess silently dropped, as WeCom does; 20 robot
 * messages/min → 45009; single-use card response codes; 微信客服 48 h / 5 replies), serves
 * 微信客服 messages a test pushes, and fails on command.
 *
 *   const fake = await startFakeWecom({ corpId: 'wwcorp', secrets: ['app-secret'] });
 *   client = new WecomApiClient({ apiBase: fake.url, … });
 *   fake.failNext('message/send', { status: 502 });
 *   expect(fake.callsTo('message/send')).toHaveLength(1);
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KfSyncItem } from '../../../adapters/wecom/api-types.ts';

export interface RecordedCall {
  /** Path after /cgi-bin/, e.g. `message/send`. */
  api: string;
  method: string;
  query: Record<string, string>;
  /** Parsed JSON body, or null (multipart, GET). */
  body: Record<string, unknown> | null;
  at: number;
  /** What the fake answered. */
  errcode: number;
  /** Accepted but thrown away (over the per-member limit), as WeCom does without telling. */
  dropped?: boolean;
}

export type Failure =
  | { status: number; body?: string }
  | { errcode: number; errmsg?: string }
  | { delayMs: number }
  | { destroy: true };

export interface FakeWecomOptions {
  corpId?: string;
  /** Secrets gettoken accepts (the app's and the 微信客服 one). */
  secrets?: string[];
  /** Robot webhook keys the fake knows. */
  robotKeys?: string[];
  /** Milliseconds since epoch; tests with a ManualClock pass theirs. */
  now?: () => number;
  /** Per-member app messages per minute (default 30), robot messages per minute (default 20). */
  memberPerMinute?: number;
  robotPerMinute?: number;
  /** Seconds a token lives (default 7200). */
  tokenSeconds?: number;
}

export interface FakeWecom {
  url: string;
  calls: RecordedCall[];
  callsTo(api: string): RecordedCall[];
  /** Messages that reached a member (not dropped) via message/send. */
  delivered(touser?: string): RecordedCall[];
  /** The next `times` calls to `api` fail as described. */
  failNext(api: string, failure: Failure, times?: number): void;
  /** Every issued token now answers 42001 (expired). */
  expireTokens(): void;
  /** 微信客服: a message the next kf/sync_msg returns. */
  pushKf(item: Partial<KfSyncItem> & { msgtype: string }): KfSyncItem;
  /** Media the fake serves on media/get (uploads land here too). */
  media: Map<string, { data: Buffer; contentType: string; fileName: string }>;
  /** The secret an access_token was issued for (to tell the app's calls from the 微信客服 ones). */
  secretOf(accessToken: string | undefined): string | undefined;
  close(): Promise<void>;
}

const MINUTE = 60_000;

export async function startFakeWecom(options: FakeWecomOptions = {}): Promise<FakeWecom> {
  const corpId = options.corpId ?? 'wwfakecorp';
  const secrets = new Set(options.secrets ?? ['app-secret', 'kf-secret']);
  const robotKeys = new Set(options.robotKeys ?? []);
  const now = options.now ?? (() => Date.now());
  const memberPerMinute = options.memberPerMinute ?? 30;
  const robotPerMinute = options.robotPerMinute ?? 20;
  const tokenMs = (options.tokenSeconds ?? 7200) * 1000;

  const calls: RecordedCall[] = [];
  const failures = new Map<string, Failure[]>();
  const tokens = new Map<string, { expiresAt: number; expired: boolean; secret?: string }>();
  const windows = new Map<string, number[]>();
  const taskIds = new Set<string>();
  const responseCodes = new Map<string, { used: boolean }>();
  const kfItems: KfSyncItem[] = [];
  const kfWindows = new Map<string, { lastAt: number; replies: number }>();
  const welcomeCodes = new Set<string>();
  const media = new Map<string, { data: Buffer; contentType: string; fileName: string }>();
  let serial = 0;

  /** Sliding one-minute window; true when this call still fits. */
  const fits = (key: string, limit: number): boolean => {
    const t = now();
    const recent = (windows.get(key) ?? []).filter((at) => t - at < MINUTE);
    const ok = recent.length < limit;
    if (ok) recent.push(t);
    windows.set(key, recent);
    return ok;
  };

  const tokenError = (token: string | undefined): number => {
    if (!token) return 41001;
    const known = tokens.get(token);
    if (!known) return 40014;
    if (known.expired || now() >= known.expiresAt) return 42001;
    return 0;
  };

  type Answer = {
    json?: Record<string, unknown>;
    raw?: { data: Buffer; headers: Record<string, string> };
    dropped?: boolean;
  };
  const ok = (extra: Record<string, unknown> = {}): Answer => ({
    json: { errcode: 0, errmsg: 'ok', ...extra },
  });
  const err = (errcode: number, errmsg: string): Answer => ({ json: { errcode, errmsg } });

  function handle(
    api: string,
    query: Record<string, string>,
    body: Record<string, unknown> | null,
    raw: Buffer,
    type: string,
  ): Answer {
    if (api === 'gettoken') {
      if (query['corpid'] !== corpId) return err(40013, 'invalid corpid');
      if (!secrets.has(query['corpsecret'] ?? '')) return err(40001, 'invalid credential');
      const token = `fake-token-${++serial}-${randomBytes(4).toString('hex')}`;
      tokens.set(token, { expiresAt: now() + tokenMs, expired: false, secret: query['corpsecret'] ?? '' });
      return ok({ access_token: token, expires_in: tokenMs / 1000 });
    }
    if (api === 'webhook/send') {
      if (!robotKeys.has(query['key'] ?? '')) return err(93000, 'invalid webhook url');
      if (!fits(`robot:${query['key']}`, robotPerMinute)) return err(45009, 'api freq out of limit');
      return ok();
    }
    const tokenStatus = tokenError(query['access_token']);
    if (tokenStatus !== 0) return err(tokenStatus, 'access_token invalid or missing');
    switch (api) {
      case 'message/send':
        return sendMessage(body);
      case 'message/update_template_card': {
        const code = String(body?.['response_code'] ?? '');
        const known = responseCodes.get(code);
        if (!known || known.used) return err(40142, 'invalid response_code');
        known.used = true;
        return ok();
      }
      case 'appchat/create':
        return ok({ chatid: String(body?.['chatid'] ?? `chat${++serial}`) });
      case 'appchat/send':
        return body?.['chatid'] ? ok() : err(86001, 'invalid chatid');
      case 'media/upload': {
        const file = parseMultipart(raw, type);
        if (!file || file.data.length <= 5) return err(40005, 'invalid media size');
        const mediaId = `media-${++serial}`;
        media.set(mediaId, file);
        return ok({ type: query['type'], media_id: mediaId, created_at: String(Math.floor(now() / 1000)) });
      }
      case 'media/get': {
        const file = media.get(query['media_id'] ?? '');
        if (!file) return err(40007, 'invalid media_id');
        return {
          raw: {
            data: file.data,
            headers: {
              'Content-Type': file.contentType,
              'Content-Disposition': `attachment; filename="${encodeURIComponent(file.fileName)}"`,
            },
          },
        };
      }
      case 'kf/sync_msg':
        return syncMsg(body);
      case 'kf/send_msg':
        return kfSend(body);
      case 'kf/send_msg_on_event': {
        const code = String(body?.['code'] ?? '');
        if (!welcomeCodes.delete(code)) return err(95002, 'invalid or used code');
        return ok({ msgid: `kfmsg-${++serial}` });
      }
      case 'kf/service_state/get':
        return ok({ service_state: 1, servicer_userid: '' });
      case 'kf/service_state/trans':
        return ok({ msg_code: `code-${++serial}` });
      default:
        return err(40008, `fake does not know ${api}`);
    }
  }

  function sendMessage(body: Record<string, unknown> | null): Answer {
    const touser = String(body?.['touser'] ?? '');
    const msgtype = String(body?.['msgtype'] ?? '');
    if (!touser) return err(40031, 'invalid user list');
    if (!['text', 'markdown', 'template_card', 'image', 'file', 'voice', 'video'].includes(msgtype))
      return err(40008, 'invalid message type');
    if (
      msgtype === 'text' &&
      Buffer.byteLength(String((body?.['text'] as { content?: string })?.content ?? '')) > 2048
    )
      return err(45002, 'content size out of limit');
    const extra: Record<string, unknown> = { msgid: `msg-${++serial}` };
    if (msgtype === 'template_card') {
      const taskId = String((body?.['template_card'] as { task_id?: string })?.task_id ?? '');
      if (!/^[0-9A-Za-z_\-@]{1,128}$/.test(taskId) || taskIds.has(taskId))
        return err(40058, 'invalid or reused task_id');
      taskIds.add(taskId);
      const code = `rc-${++serial}`;
      responseCodes.set(code, { used: false });
      extra['response_code'] = code;
    }
    // Per app per member ≤ 30/min; the excess is discarded without an error (doc 90454).
    const users = touser.split('|');
    const dropped = users.every((user) => !fits(`member:${user}`, memberPerMinute));
    return { ...ok(extra), dropped };
  }

  function syncMsg(body: Record<string, unknown> | null): Answer {
    const openKfId = String(body?.['open_kfid'] ?? '');
    const start = Number(body?.['cursor'] ?? 0) || 0;
    const limit = Math.min(Number(body?.['limit'] ?? 1000) || 1000, 1000);
    const mine = kfItems.filter((item) => item.open_kfid === openKfId);
    const page = mine.slice(start, start + limit);
    for (const item of page) {
      if (item.event?.welcome_code) welcomeCodes.add(item.event.welcome_code);
      if (item.origin === 3 && item.external_userid)
        kfWindows.set(item.external_userid, { lastAt: item.send_time * 1000, replies: 0 });
    }
    const next = start + page.length;
    return ok({ next_cursor: String(next), has_more: next < mine.length ? 1 : 0, msg_list: page });
  }

  function kfSend(body: Record<string, unknown> | null): Answer {
    const touser = String(body?.['touser'] ?? '');
    const window = kfWindows.get(touser);
    // Assumed codes: WeCom does not document kf's; these are the MP customer-service ones (§6.6).
    if (!window || now() - window.lastAt > 48 * 3600_000) return err(45015, 'response out of time limit');
    if (window.replies >= 5) return err(45047, 'out of response count limit');
    window.replies += 1;
    return ok({ msgid: String(body?.['msgid'] ?? `kfmsg-${++serial}`) });
  }

  const server: Server = createServer((req, res) => void serve(req, res));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/_fake/calls' && req.method === 'GET') {
      // For people trying the demo: the latest calls, without tokens.
      const recent = calls.slice(-200).map(({ query: { access_token: _token, ...query }, ...call }) => ({
        ...call,
        query,
      }));
      return json(res, { calls: recent });
    }
    const api = url.pathname.replace(/^\/cgi-bin\//, '');
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    let body: Record<string, unknown> | null = null;
    if (type.includes('json') && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = null;
      }
    }
    const failure = failures.get(api)?.shift();
    if (failure) {
      if ('delayMs' in failure) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      else {
        calls.push({
          api,
          method: req.method ?? 'GET',
          query,
          body,
          at: now(),
          errcode: 'errcode' in failure ? failure.errcode : -2,
        });
        if ('destroy' in failure) return void req.socket.destroy();
        if ('status' in failure) {
          res.writeHead(failure.status, { 'Content-Type': 'text/html' });
          return void res.end(failure.body ?? '<html>bad gateway</html>');
        }
        return json(res, { errcode: failure.errcode, errmsg: failure.errmsg ?? 'failed on command' });
      }
    }
    const answer = handle(api, query, body, raw, type);
    calls.push({
      api,
      method: req.method ?? 'GET',
      query,
      body,
      at: now(),
      errcode: Number(answer.json?.['errcode'] ?? 0),
      ...(answer.dropped ? { dropped: true } : {}),
    });
    if (answer.raw) {
      res.writeHead(200, answer.raw.headers);
      return void res.end(answer.raw.data);
    }
    json(res, answer.json ?? {});
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (api) => calls.filter((call) => call.api === api),
    delivered: (touser) =>
      calls.filter(
        (call) =>
          call.api === 'message/send' &&
          call.errcode === 0 &&
          !call.dropped &&
          (touser === undefined || String(call.body?.['touser']).split('|').includes(touser)),
      ),
    failNext(api, failure, times = 1) {
      const list = failures.get(api) ?? [];
      for (let i = 0; i < times; i += 1) list.push(failure);
      failures.set(api, list);
    },
    expireTokens() {
      for (const token of tokens.values()) token.expired = true;
    },
    pushKf(item) {
      const full: KfSyncItem = {
        msgid: `kf-${++serial}`,
        open_kfid: 'wkfake',
        send_time: Math.floor(now() / 1000),
        origin: 3,
        ...item,
      } as KfSyncItem;
      kfItems.push(full);
      return full;
    },
    media,
    secretOf: (accessToken) => (accessToken ? tokens.get(accessToken)?.secret : undefined),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The `media` part of a multipart/form-data body (enough for media/upload). */
function parseMultipart(
  raw: Buffer,
  type: string,
): { data: Buffer; contentType: string; fileName: string } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark) return null;
  const parts = raw.toString('latin1').split(`--${mark}`);
  for (const part of parts) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!/name="media"/.test(head)) continue;
    const fileName = Buffer.from(/filename="([^"]*)"/.exec(head)?.[1] ?? 'file', 'latin1').toString('utf8');
    const contentType = /Content-Type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
    const data = Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1');
    return { data, contentType, fileName };
  }
  return null;
}
