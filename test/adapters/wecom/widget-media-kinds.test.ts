/**
 * What the web widget needs to show a helper's media by its kind (web/widget.js): the messages API
 * carries `kind`, `fileName` and a `mediaUrl` the session can fetch, for files, voice and video too.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mediaFileName } from '../../../adapters/webchat/session-messages.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { conversations, wecomKfCursors } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { CORP_ID, startWecomHarness, type WecomHarness } from './wecom-harness.ts';

const config = testConfig();
let serial = 0;

interface Shown {
  kind: string;
  from: string;
  text: string;
  mediaUrl: string | null;
  fileName?: string;
}

describe('mediaFileName', () => {
  it('reads the name from a media line and nothing from other text', () => {
    expect(mediaFileName('[文件] 申请表 (盖章).pdf')).toBe('申请表 (盖章).pdf');
    expect(mediaFileName('[视频] clip.mp4')).toBe('clip.mp4');
    expect(mediaFileName('[语音]')).toBeUndefined();
    expect(mediaFileName('请看 [文件] x.pdf')).toBeUndefined();
  });
});

describe.each(backends)('widget messages API: media by kind on %s', (backend) => {
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

  const staffMedia = (type: 'file' | 'voice' | 'video', mediaId: string) =>
    buildXml({
      ToUserName: CORP_ID,
      FromUserName: 'ZhangWei',
      CreateTime: Math.floor(h.clock.now().getTime() / 1000),
      MsgType: type,
      MediaId: mediaId,
      ...(type === 'voice' ? { Format: 'amr' } : {}),
      ...(type === 'video' ? { ThumbMediaId: `${mediaId}-thumb` } : {}),
      MsgId: `9${Date.now()}${++serial}`,
      AgentID: 1000002,
    });

  it('a helper’s file, voice clip and video come with their kind, the file’s name, and a fetchable URL', async () => {
    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${h.app.url}${path}`, {
        ...init,
        headers: {
          ...(typeof init.body === 'string' ? { 'Content-Type': 'application/json' } : {}),
          ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
        },
      });
    const session = (await (await api('/webchat/sessions', { method: 'POST', body: '{}' })).json()) as {
      sessionId: string;
      token: string;
    };
    for (const text of ['转人工', '1'])
      await api(`/webchat/sessions/${session.sessionId}/messages`, {
        method: 'POST',
        token: session.token,
        body: JSON.stringify({ text }),
      });
    await h.settle();
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, session.sessionId));
    expect(row!.assigneeId).toBe('zhang-wei');

    const files = {
      WX_FILE: {
        data: Buffer.from('%PDF-1.4 guide'),
        contentType: 'application/pdf',
        fileName: '办事指南.pdf',
      },
      WX_VOICE: {
        data: Buffer.from('#!AMR\n0123456789'),
        contentType: 'audio/amr',
        fileName: 'WX_VOICE.amr',
      },
      WX_VIDEO: {
        data: Buffer.from('....ftypmp42 video'),
        contentType: 'video/mp4',
        fileName: 'WX_VIDEO.mp4',
      },
    };
    for (const [id, file] of Object.entries(files)) h.fake.media.set(id, file);
    for (const [type, id] of [
      ['file', 'WX_FILE'],
      ['voice', 'WX_VOICE'],
      ['video', 'WX_VIDEO'],
    ] as const) {
      expect((await h.post(staffMedia(type, id))).status).toBe(200);
      await h.settle();
    }

    const listed = await api(`/webchat/sessions/${session.sessionId}/messages`, { token: session.token });
    const shown = ((await listed.json()) as { messages: Shown[] }).messages.filter((m) => m.from === 'staff');
    expect(shown.map((m) => m.kind)).toEqual(['file', 'voice', 'video']);
    const [file, voice, video] = shown;
    expect(file).toMatchObject({ fileName: '办事指南.pdf', text: '[文件] 办事指南.pdf' });
    for (const m of shown)
      expect(m.mediaUrl).toMatch(/^\/webchat\/sessions\/[\w-]+\/shared-media\/[\w-]{22}$/);

    const fetchMedia = (m: Shown) =>
      fetch(`${h.app.url}${m.mediaUrl}?token=${encodeURIComponent(session.token)}`);
    const pdf = await fetchMedia(file!);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toContain(encodeURIComponent('办事指南.pdf'));
    expect(Buffer.from(await pdf.arrayBuffer()).equals(files.WX_FILE.data)).toBe(true);
    const amr = await fetchMedia(voice!);
    expect(amr.headers.get('content-type')).toBe('audio/amr');
    expect(amr.headers.get('content-disposition')).toBeNull();
    const mp4 = await fetchMedia(video!);
    expect(mp4.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await mp4.arrayBuffer()).equals(files.WX_VIDEO.data)).toBe(true);
  });
});
