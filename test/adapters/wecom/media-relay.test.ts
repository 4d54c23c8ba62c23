import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wecomMediaTypeFor } from '../../../adapters/wecom/media-bridge.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { conversations, messages, wecomKfCursors } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { CORP_ID, startWecomHarness, type WecomHarness } from './wecom-harness.ts';

const config = testConfig();
const OPEN_KF = 'wkbangban';
/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n% bangban test file\n%%EOF\n');

let serial = 0;
const staffMedia = (h: WecomHarness, userId: string, type: 'image' | 'file', mediaId: string) =>
  buildXml({
    ToUserName: CORP_ID,
    FromUserName: userId,
    CreateTime: Math.floor(h.clock.now().getTime() / 1000),
    MsgType: type,
    ...(type === 'image' ? { PicUrl: 'https://example.invalid/p.png' } : {}),
    MediaId: mediaId,
    MsgId: `8${Date.now()}${++serial}`,
    AgentID: 1000002,
  });

describe.each(backends)('media between WeCom staff and citizens on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WecomHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    await test.database.db.delete(wecomKfCursors);
    h = await startWecomHarness(test.database, config, { webchat: true });
  });
  afterEach(() => h.close());

  /** A widget session that asked for a human and got ZhangWei (rota). */
  async function widgetHandoff() {
    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${h.app.url}${path}`, {
        ...init,
        headers: {
          ...(init.body && typeof init.body === 'string' ? { 'Content-Type': 'application/json' } : {}),
          ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    const created = await api('/webchat/sessions', { method: 'POST', body: '{}' });
    const session = (await created.json()) as { sessionId: string; token: string };
    for (const text of ['转人工', '1'])
      expect(
        (
          await api(`/webchat/sessions/${session.sessionId}/messages`, {
            method: 'POST',
            token: session.token,
            body: JSON.stringify({ text }),
          })
        ).status,
      ).toBe(201);
    await h.settle();
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, session.sessionId));
    expect(row!.assigneeId).toBe('zhang-wei');
    return { ...session, conversation: row!, api };
  }

  it('a staff image sent in WeCom reaches the widget session as an image the citizen can fetch, and counts as the first response', async () => {
    const w = await widgetHandoff();
    h.fake.media.set('WX_IMG_1', { data: PNG, contentType: 'image/png', fileName: 'scan.png' });
    const res = await h.post(staffMedia(h, 'ZhangWei', 'image', 'WX_IMG_1'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await h.settle();

    expect(h.fake.callsTo('media/get').map((c) => c.query['media_id'])).toEqual(['WX_IMG_1']);
    const list = await w.api(`/webchat/sessions/${w.sessionId}/messages`, { token: w.token });
    const { messages: shown } = (await list.json()) as {
      messages: { kind: string; from: string; mediaUrl: string | null }[];
    };
    const image = shown.find((m) => m.from === 'staff' && m.kind === 'image');
    expect(image?.mediaUrl).toMatch(/^\/webchat\/sessions\/[\w-]+\/shared-media\/[\w-]{22}$/);

    const fetched = await fetch(`${h.app.url}${image!.mediaUrl}?token=${encodeURIComponent(w.token)}`);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(fetched.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG)).toBe(true);
    // Without the token, or from another session, it is not served.
    expect((await fetch(`${h.app.url}${image!.mediaUrl}`)).status).toBe(401);
    const other = await widgetHandoff();
    const foreign = image!.mediaUrl!.replace(w.sessionId, other.sessionId);
    expect((await fetch(`${h.app.url}${foreign}?token=${encodeURIComponent(other.token)}`)).status).toBe(404);

    const [stored] = await test.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, w.conversation.id))
      .then((rows) => rows.filter((m) => m.senderKind === 'staff'));
    expect(stored).toMatchObject({ kind: 'image', direction: 'out', staffId: 'zhang-wei' });
    expect(stored!.mediaRef).toMatch(/^media:[\w-]{22}$/);
    const [after] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, w.conversation.id));
    expect(after!.firstHumanResponseAt).not.toBeNull();
    expect(after!.state).toBe('active');
  });

  it('a staff file keeps its name and is served as a download; a repeated callback relays once', async () => {
    const w = await widgetHandoff();
    h.fake.media.set('WX_FILE_1', { data: PDF, contentType: 'application/pdf', fileName: '办事指南.pdf' });
    const xml = staffMedia(h, 'ZhangWei', 'file', 'WX_FILE_1');
    for (let i = 0; i < 3; i += 1) expect((await h.post(xml)).status).toBe(200);
    await h.settle();
    const rows = await test.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, w.conversation.id));
    const files = rows.filter((m) => m.senderKind === 'staff' && m.kind === 'file');
    expect(files).toHaveLength(1);
    expect(files[0]!.body).toContain('办事指南.pdf');
    const stored = await h.media.get(files[0]!.mediaRef!);
    expect(stored).toMatchObject({ contentType: 'application/pdf', fileName: '办事指南.pdf' });
    expect(stored!.bytes.equals(PDF)).toBe(true);
  });

  it('a staff image without a current conversation is not relayed; the helper is told', async () => {
    h.fake.media.set('WX_IMG_2', { data: PNG, contentType: 'image/png', fileName: 'x.png' });
    await h.post(staffMedia(h, 'ZhangWei', 'image', 'WX_IMG_2'));
    await h.settle();
    const told = h.fake.delivered('ZhangWei').map((c) => JSON.stringify(c.body));
    expect(told.some((t) => t.includes('没有正在处理的会话'))).toBe(true);
    expect(await test.database.db.select().from(messages)).toHaveLength(0);
  });

  it('a widget upload reaches the WeCom helper as an image (media/upload, then message/send)', async () => {
    const w = await widgetHandoff();
    const up = await fetch(`${h.app.url}/webchat/sessions/${w.sessionId}/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${w.token}`, 'Content-Type': 'image/png' },
      body: PNG,
    });
    expect(up.status).toBe(201);
    await h.settle();
    const uploads = h.fake.callsTo('media/upload');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.query['type']).toBe('image');
    const images = h.fake.delivered('ZhangWei').filter((c) => c.body?.['msgtype'] === 'image');
    expect(images).toHaveLength(1);
    const mediaId = (images[0]!.body!['image'] as { media_id: string }).media_id;
    expect(h.fake.media.get(mediaId)!.data.equals(PNG)).toBe(true);
  });

  it('a staff image reaches a 微信客服 citizen: media/upload with the kf token, then kf/send_msg image', async () => {
    h.fake.pushKf({
      open_kfid: OPEN_KF,
      external_userid: 'ext-m',
      msgtype: 'text',
      text: { content: '转人工' },
    });
    await h.post(kfEvent('TOKM1'));
    await h.settle();
    h.fake.pushKf({ open_kfid: OPEN_KF, external_userid: 'ext-m', msgtype: 'text', text: { content: '1' } });
    await h.post(kfEvent('TOKM2'));
    await h.settle();
    h.fake.media.set('WX_IMG_3', { data: PNG, contentType: 'image/png', fileName: 'scan.png' });
    await h.post(staffMedia(h, 'ZhangWei', 'image', 'WX_IMG_3'));
    await h.settle();
    const sent = h.fake.callsTo('kf/send_msg').filter((c) => c.body?.['msgtype'] === 'image');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.errcode).toBe(0);
    const mediaId = (sent[0]!.body!['image'] as { media_id: string }).media_id;
    expect(mediaId).not.toBe('WX_IMG_3');
    expect(h.fake.media.get(mediaId)!.data.equals(PNG)).toBe(true);
  });
});

const kfEvent = (token: string) =>
  buildXml({
    ToUserName: CORP_ID,
    CreateTime: 1348831860,
    MsgType: 'event',
    Event: 'kf_msg_or_event',
    Token: token,
    OpenKfId: OPEN_KF,
  });

describe('WeCom media types', () => {
  const file = (contentType: string, size: number) => ({
    data: Buffer.alloc(size, 1),
    contentType,
    fileName: 'x',
  });
  it('sends JPG/PNG as images, AMR as voice, MP4 as video; other formats as files; refuses tiny or huge files', () => {
    expect(wecomMediaTypeFor('image', file('image/png', 100))).toBe('image');
    expect(wecomMediaTypeFor('image', file('image/webp', 100))).toBe('file');
    expect(wecomMediaTypeFor('voice', file('audio/amr', 100))).toBe('voice');
    expect(wecomMediaTypeFor('voice', file('audio/mpeg', 100))).toBe('file');
    expect(wecomMediaTypeFor('video', file('video/mp4', 100))).toBe('video');
    expect(wecomMediaTypeFor('image', file('image/png', 11 * 1024 * 1024))).toBe('file');
    expect(wecomMediaTypeFor('file', file('application/pdf', 5))).toBeNull();
    expect(wecomMediaTypeFor('file', file('application/pdf', 21 * 1024 * 1024))).toBeNull();
  });
});
