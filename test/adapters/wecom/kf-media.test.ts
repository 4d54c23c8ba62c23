/**
 * 微信客服 citizen media: downloaded with media/get (微信客服 token) into the shared MediaStore by an
 * outbox job, entering the flows as `media:<id>` — deduped, in the citizen's order, never lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aesKeyFrom, encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { KF_MEDIA_FETCH_ATTEMPTS } from '../../../adapters/wecom/kf-channel.ts';
import { kfReceiveKey } from '../../../adapters/wecom/outbox-kinds.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { ManualClock } from '../../../src/clock.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createBangban } from '../../../src/main.ts';
import { conversations, inbox, outbox, wecomKfCursors } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { startFakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { AES_KEY, CORP_ID, startWecomHarness, TOKEN, wecomEnv, type WecomHarness } from './wecom-harness.ts';

const config = testConfig();
const OPEN_KF = 'wkbangban';
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** The API client tries a failing call 3 times (2 retries) before the outbox job fails. */
const TRIES_PER_CALL = 3;

const kfEvent = (token: string) =>
  buildXml({
    ToUserName: CORP_ID,
    CreateTime: 1348831860,
    MsgType: 'event',
    Event: 'kf_msg_or_event',
    Token: token,
    OpenKfId: OPEN_KF,
  });

describe.each(backends)('微信客服 citizen media on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WecomHarness;
  let tokens = 0;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    await test.database.db.delete(wecomKfCursors);
    h = await startWecomHarness(test.database, config);
  });
  afterEach(() => h.close());

  /** The citizen's items are pushed, then one callback makes bangban sync them. */
  const citizenWrites = async (
    user: string,
    ...items: Parameters<WecomHarness['fake']['pushKf']>[0][]
  ): Promise<string[]> => {
    const ids = items.map(
      (item) => h.fake.pushKf({ open_kfid: OPEN_KF, external_userid: user, ...item }).msgid,
    );
    const res = await h.post(kfEvent(`TOKEN${++tokens}`));
    expect(res.status).toBe(200);
    await h.settle();
    return ids;
  };
  const incoming = async (user: string) => {
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, user));
    expect(row).toBeDefined();
    return (await h.flows.transcript(row!.id)).filter((m) => m.direction === 'in');
  };
  const seedMedia = (mediaId: string, data = PNG, contentType = 'image/png', fileName = 'photo.png') =>
    h.fake.media.set(mediaId, { data, contentType, fileName });
  const mediaGets = (mediaId: string) =>
    h.fake.callsTo('media/get').filter((c) => c.query['media_id'] === mediaId);

  it('a citizen image is fetched with the 微信客服 token into the MediaStore and enters the flows as media:<id>', async () => {
    seedMedia('KF_IMG_1');
    await citizenWrites('kfm-1', { msgtype: 'image', image: { media_id: 'KF_IMG_1' } });
    const [image] = await incoming('kfm-1');
    expect(image).toMatchObject({ kind: 'image' });
    expect(image!.mediaRef).toMatch(/^media:[\w-]+$/);
    const stored = await h.media.get(image!.mediaRef!);
    expect(stored?.bytes.equals(PNG)).toBe(true);
    expect(stored).toMatchObject({ contentType: 'image/png', fileName: 'photo.png' });
    const [get] = mediaGets('KF_IMG_1');
    expect(h.fake.secretOf(get!.query['access_token'])).toBe('kf-secret');
  });

  it('a file keeps its name, a voice clip without a usable type gets audio/amr', async () => {
    seedMedia('KF_FILE_1', Buffer.from('%PDF-1.4 材料'), 'application/pdf', '申请表.pdf');
    seedMedia('KF_VOICE_1', Buffer.from('#!AMR\nvoice'), 'application/octet-stream', 'KF_VOICE_1');
    await citizenWrites(
      'kfm-2',
      { msgtype: 'file', file: { media_id: 'KF_FILE_1' } },
      { msgtype: 'voice', voice: { media_id: 'KF_VOICE_1' } },
    );
    const [file, voice] = await incoming('kfm-2');
    expect(file).toMatchObject({ kind: 'file' });
    expect(await h.media.get(file!.mediaRef!)).toMatchObject({
      contentType: 'application/pdf',
      fileName: '申请表.pdf',
    });
    expect(voice).toMatchObject({ kind: 'voice' });
    expect(await h.media.get(voice!.mediaRef!)).toMatchObject({
      contentType: 'audio/amr',
      fileName: 'voice.amr',
    });
  });

  it('a re-synced message is fetched and stored once, even after its outbox row is gone', async () => {
    seedMedia('KF_IMG_2');
    const [msgId] = await citizenWrites('kfm-3', { msgtype: 'image', image: { media_id: 'KF_IMG_2' } });
    // WeCom hands the same page out again (the cursor was lost): the outbox key drops it.
    await test.database.db.delete(wecomKfCursors);
    await citizenWrites('kfm-3');
    expect(mediaGets('KF_IMG_2')).toHaveLength(1);
    // Even with the delivered job cleaned away, the inbox row stops a second download.
    await test.database.db.delete(outbox).where(eq(outbox.idempotencyKey, kfReceiveKey('kfm-3', msgId!)));
    await test.database.db.delete(wecomKfCursors);
    await citizenWrites('kfm-3');
    expect(mediaGets('KF_IMG_2')).toHaveLength(1);
    const rows = await test.database.db
      .select()
      .from(inbox)
      .where(and(eq(inbox.channel, 'wecom_kf'), eq(inbox.externalId, msgId!)));
    expect(rows).toHaveLength(1);
    expect(await incoming('kfm-3')).toHaveLength(1);
  });

  it('keeps the citizen’s order while the download is retried; other citizens are not held up', async () => {
    seedMedia('KF_IMG_3');
    // One whole media/get call fails (the client's own retries included): the outbox job retries.
    h.fake.failNext('media/get', { status: 502 }, TRIES_PER_CALL);
    await citizenWrites(
      'kfm-4',
      { msgtype: 'text', text: { content: '您好' } },
      { msgtype: 'image', image: { media_id: 'KF_IMG_3' } },
      { msgtype: 'text', text: { content: '这是我的营业执照' } },
    );
    // Meanwhile another citizen's text goes straight through.
    await citizenWrites('kfm-5', { msgtype: 'text', text: { content: '请问怎么办理' } });
    // And the first citizen writes again in a later sync, while the image may still be retrying.
    await citizenWrites('kfm-4', { msgtype: 'text', text: { content: '请帮我看一下' } });
    for (let i = 0; i < 5; i += 1) await h.advance(10);
    expect(mediaGets('KF_IMG_3')).toHaveLength(TRIES_PER_CALL + 1);
    const messages = await incoming('kfm-4');
    expect(messages.map((m) => (m.kind === 'image' ? 'IMAGE' : m.body))).toEqual([
      '您好',
      'IMAGE',
      '这是我的营业执照',
      '请帮我看一下',
    ]);
    expect(messages[1]!.mediaRef).toMatch(/^media:/);
    expect(await incoming('kfm-5')).toHaveLength(1);
  });

  it(`after ${KF_MEDIA_FETCH_ATTEMPTS} failed downloads the message goes on without its bytes, and what follows after it`, async () => {
    seedMedia('KF_IMG_4');
    h.fake.failNext('media/get', { status: 502 }, KF_MEDIA_FETCH_ATTEMPTS * TRIES_PER_CALL);
    await citizenWrites(
      'kfm-6',
      { msgtype: 'image', image: { media_id: 'KF_IMG_4' } },
      { msgtype: 'text', text: { content: '看到了吗' } },
    );
    for (let i = 0; i < 10; i += 1) await h.advance(30);
    expect(mediaGets('KF_IMG_4')).toHaveLength(KF_MEDIA_FETCH_ATTEMPTS * TRIES_PER_CALL);
    const messages = await incoming('kfm-6');
    expect(messages.map((m) => m.kind)).toEqual(['image', 'text']);
    expect(messages[0]!.mediaRef).toBe('wecom_kf:KF_IMG_4');
    expect(h.logs().some((l) => String(l['msg']).includes('could not be fetched'))).toBe(true);
    const dead = await test.database.db.select().from(outbox).where(eq(outbox.status, 'dead'));
    expect(dead).toEqual([]);
  });

  it('reaches a WeCom helper as an image uploaded anew (media/upload, then message/send)', async () => {
    await citizenWrites('kfm-7', { msgtype: 'text', text: { content: '转人工' } });
    await citizenWrites('kfm-7', { msgtype: 'text', text: { content: '1' } });
    seedMedia('KF_IMG_5');
    await citizenWrites('kfm-7', { msgtype: 'image', image: { media_id: 'KF_IMG_5' } });
    const images = h.fake.delivered('ZhangWei').filter((c) => c.body?.['msgtype'] === 'image');
    expect(images).toHaveLength(1);
    const mediaId = (images[0]!.body!['image'] as { media_id: string }).media_id;
    expect(mediaId).not.toBe('KF_IMG_5');
    expect(h.fake.callsTo('media/upload').some((c) => c.query['type'] === 'image')).toBe(true);
    expect(h.fake.media.get(mediaId)?.data.equals(PNG)).toBe(true);
  });
});

/** The composition root: a 微信客服 citizen's image on the web desk and at the WeCom helper. */
describe('微信客服 citizen image through bangban (desk and WeCom)', () => {
  const ROOT = path.resolve(import.meta.dirname, '../../..');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-kf-media-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the desk helper sees it as an image and can fetch the bytes; the WeCom helper gets it uploaded', async () => {
    const clock = new ManualClock('2026-11-27T02:00:00Z');
    const fake = await startFakeWecom({ corpId: CORP_ID });
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...(wecomEnv(fake) as Record<string, string>),
    };
    const bangban = await createBangban({ config: loadConfig({ env, cwd: ROOT }), env, demo: true, clock });
    const server = await bangban.listen();
    let serial = 0;
    const post = async (plaintext: string) => {
      const timestamp = String(Math.floor(clock.now().getTime() / 1000));
      const nonce = randomBytes(6).toString('hex');
      const encrypt = encryptMessage(aesKeyFrom(AES_KEY)!, plaintext, CORP_ID);
      const signature = msgSignature(TOKEN, timestamp, nonce, encrypt);
      const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce });
      const res = await fetch(`${server.url}/callbacks/wecom?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        body: buildXml({ ToUserName: CORP_ID, Encrypt: encrypt, AgentID: '1000002' }),
      });
      expect(res.status).toBe(200);
    };
    const writes = async (item: Parameters<typeof fake.pushKf>[0]) => {
      fake.pushKf({ open_kfid: OPEN_KF, external_userid: 'kf-desk-1', ...item });
      await post(kfEvent(`DESKTOKEN${++serial}`));
    };
    const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
      for (let i = 0; i < 200; i += 1) {
        const found = await probe();
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    try {
      await writes({ msgtype: 'text', text: { content: '转人工' } });
      await until('the item menu', async () => (fake.callsTo('kf/send_msg').length > 0 ? true : undefined));
      await writes({ msgtype: 'text', text: { content: '1' } });
      const conversation = await until('the handoff', async () => {
        const open = await bangban.flows.listOpen({ all: true });
        return open.find((c) => c.channel === 'wecom_kf' && c.assigneeId);
      });
      fake.media.set('KF_DESK_IMG', { data: PNG, contentType: 'image/png', fileName: 'scan.png' });
      await writes({ msgtype: 'image', image: { media_id: 'KF_DESK_IMG' } });

      const login = await fetch(`${server.url}/api/desk/demo-login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ staffId: conversation.assigneeId }),
      });
      const { token } = (await login.json()) as { token: string };
      const auth = { Authorization: `Bearer ${token}` };
      const image = await until('the image on the desk', async () => {
        const res = await fetch(`${server.url}/api/desk/conversations/${conversation.id}`, { headers: auth });
        const body = (await res.json()) as {
          messages: { kind: string; direction: string; mediaUrl: string | null }[];
        };
        return body.messages.find((m) => m.kind === 'image' && m.direction === 'in');
      });
      expect(image.mediaUrl).toMatch(/^\/api\/desk\/media\?ref=media%3A/);
      const shown = await fetch(`${server.url}${image.mediaUrl}`, { headers: auth });
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await shown.arrayBuffer()).equals(PNG)).toBe(true);

      // The assigned helper is on WeCom too: the image arrives there uploaded anew.
      const sent = await until('the image at the WeCom helper', async () =>
        fake.delivered().find((c) => c.body?.['msgtype'] === 'image'),
      );
      const mediaId = (sent.body!['image'] as { media_id: string }).media_id;
      expect(mediaId).not.toBe('KF_DESK_IMG');
      expect(fake.media.get(mediaId)?.data.equals(PNG)).toBe(true);
    } finally {
      await bangban.close();
      await fake.close();
    }
  });
});
