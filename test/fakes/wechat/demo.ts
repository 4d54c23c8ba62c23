/**
 * Demo starter: the loopback fake WeChat API plus a "phone" that plays a citizen writing to the
 * Official Account, so `npm start` can show the 公众号 channel without WeChat.
 *
 *   curl -s -X POST 'http://127.0.0.1:<phone>/send' -H 'Content-Type: application/json' \
 *        -d '{"openid":"demo-citizen","text":"二类医疗器械注册证有效期几年"}'
 *
 * The phone signs the push (plaintext mode), posts it to bangban's /callbacks/wechat-oa and prints
 * the passive reply; later messages (a helper's answers) are in the fake's custom-message log:
 * `GET http://127.0.0.1:<phone>/sent?openid=demo-citizen`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml, parseXmlDocument, textOf } from '../../../adapters/wecom/xml.ts';
import { startFakeWechat } from './fake-wechat-server.ts';

const APP_ID = 'wxbangbandemo0001';
const TOKEN = 'bangbandemo';
const ACCOUNT = 'gh_bangbandemo';

export async function startDemoFake(): Promise<{
  env: Record<string, string>;
  describe: string;
  close(): Promise<void>;
}> {
  const secret = randomBytes(12).toString('hex');
  const fake = await startFakeWechat({ appId: APP_ID, secret, assumeCitizenWrote: true });
  let serial = 0;

  async function send(body: Record<string, unknown>): Promise<{ status: number; reply: string | null }> {
    const openId = typeof body['openid'] === 'string' && body['openid'] ? body['openid'] : 'demo-citizen';
    const server = typeof body['server'] === 'string' ? body['server'] : 'http://localhost:3000';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(6).toString('hex');
    fake.citizenWrote(openId);
    const fields: Record<string, string | number> =
      typeof body['click'] === 'string'
        ? {
            ToUserName: ACCOUNT,
            FromUserName: openId,
            CreateTime: Number(timestamp) + ++serial,
            MsgType: 'event',
            Event: 'CLICK',
            EventKey: body['click'],
          }
        : {
            ToUserName: ACCOUNT,
            FromUserName: openId,
            CreateTime: Number(timestamp),
            MsgType: 'text',
            Content: String(body['text'] ?? '你好'),
            MsgId: `9${Date.now()}${String(++serial).padStart(5, '0')}`,
          };
    const query = new URLSearchParams({
      signature: msgSignature(TOKEN, timestamp, nonce),
      timestamp,
      nonce,
      openid: openId,
    });
    const response = await fetch(`${server.replace(/\/+$/, '')}/callbacks/wechat-oa?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: buildXml(fields),
    });
    const text = await response.text();
    if (!response.ok || text === 'success')
      return { status: response.status, reply: response.ok ? null : text };
    const doc = parseXmlDocument(text);
    return {
      status: response.status,
      reply: doc.ok ? ((textOf(doc.root, 'Content') as string | undefined) ?? text) : text,
    };
  }

  const phone = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const json = (status: number, value: unknown) =>
        res
          .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(value, null, 2));
      try {
        if (req.method === 'POST' && url.pathname === '/send') {
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          const raw = Buffer.concat(chunks).toString('utf8');
          json(200, await send(raw ? (JSON.parse(raw) as Record<string, unknown>) : {}));
        } else if (req.method === 'GET' && url.pathname === '/sent') {
          json(200, fake.sent(url.searchParams.get('openid') ?? undefined));
        } else json(404, { error: 'POST /send {openid,text|click,server} or GET /sent?openid=' });
      } catch (error) {
        json(502, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve) => phone.listen(0, '127.0.0.1', resolve));
  const phoneUrl = `http://127.0.0.1:${(phone.address() as AddressInfo).port}`;

  return {
    env: {
      WECHAT_OA_APP_ID: APP_ID,
      WECHAT_OA_APP_SECRET: secret,
      WECHAT_OA_TOKEN: TOKEN,
      WECHAT_API_BASE: fake.url,
    },
    describe:
      `WeChat Official Account: fake API at ${fake.url}; play a citizen with ` +
      `curl -X POST ${phoneUrl}/send -H 'Content-Type: application/json' -d '{"openid":"demo-citizen","text":"二类医疗器械注册证有效期几年"}' ` +
      `(add "server":"http://host:port" if bangban is not on localhost:3000; "click":"item:<id>" for a menu click); ` +
      `custom messages sent to the citizen: GET ${phoneUrl}/sent?openid=demo-citizen`,
    async close() {
      await new Promise<void>((resolve) => {
        phone.closeAllConnections();
        phone.close(() => resolve());
      });
      await fake.close();
    },
  };
}
