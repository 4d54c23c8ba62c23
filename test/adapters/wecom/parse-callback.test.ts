import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCallback } from '../../../adapters/wecom/parse-callback.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/wecom/${name}.xml`, import.meta.url), 'utf8');

const parsed = (name: string) => {
  const result = parseCallback(fixture(name));
  if (!result.ok) throw new Error(result.reason);
  return result.callback;
};

describe('parseCallback (decrypted app-callback XML)', () => {
  it('text: staff message on channel wecom, MsgId kept as a string beyond 2^53', () => {
    expect(parsed('text')).toEqual({
      type: 'inbound',
      message: {
        channel: 'wecom',
        senderRole: 'staff',
        channelUserId: 'mycreate',
        externalId: '4561255354251345929',
        sentAt: new Date(1409659813 * 1000),
        kind: 'text',
        text: 'hello',
      },
    });
  });

  it.each([
    ['image', { kind: 'image', mediaRef: 'media_id' }],
    ['voice', { kind: 'voice', mediaRef: 'media_id' }],
    ['video', { kind: 'video', mediaRef: 'media_id' }],
    ['location', { kind: 'location', latitude: 23.134, longitude: 113.358, label: '位置信息' }],
    ['link', { kind: 'link', title: 'this is a title', url: 'URL', description: 'this is a description' }],
  ])('%s', (name, expected) => {
    const callback = parsed(name);
    expect(callback.type).toBe('inbound');
    expect(callback.type === 'inbound' && callback.message).toMatchObject({
      ...expected,
      externalId: '1234567890123456',
      channelUserId: 'fromUser',
    });
  });

  it('enter_agent: an event deduped on FromUserName + CreateTime', () => {
    expect(parsed('enter-agent')).toMatchObject({
      type: 'inbound',
      message: { kind: 'event', event: 'enter_session', externalId: 'FromUser:1408091189:enter_agent' },
    });
  });

  it('template_card_event: the button key, task id and response code', () => {
    expect(parsed('template-card-event')).toEqual({
      type: 'inbound',
      message: expect.objectContaining({
        kind: 'event',
        event: 'card_action',
        key: 'key111',
        channelUserId: 'FromUser',
        externalId: 'FromUser:123456789:template_card_event:taskid111:key111',
      }),
      card: { taskId: 'taskid111', responseCode: 'ResponseCode' },
    });
  });

  it('kf_msg_or_event: the sync token and open_kfid, no message content', () => {
    expect(parsed('kf-msg-or-event')).toEqual({
      type: 'kf',
      token: 'ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR',
      openKfId: 'wkxxxx',
      dedupeKey: 'wkxxxx:ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR',
    });
  });

  it('unknown message types and events are ignored, not errors', () => {
    expect(parsed('subscribe')).toEqual({ type: 'ignored', msgType: 'event', event: 'subscribe' });
    const mpnews = fixture('text').replace('<![CDATA[text]]>', '<![CDATA[mpnews]]>');
    expect(parseCallback(mpnews)).toEqual({ ok: true, callback: { type: 'ignored', msgType: 'mpnews' } });
  });

  it('keeps newlines, entities inside CDATA and bare values as sent', () => {
    const xml = fixture('text').replace('<![CDATA[hello]]>', '<![CDATA[第一行\n&amp; <b>]]>');
    const result = parseCallback(xml);
    expect(result.ok && result.callback.type === 'inbound' && result.callback.message).toMatchObject({
      text: '第一行\n&amp; <b>',
    });
  });

  it.each([
    ['no MsgType', '<xml><FromUserName>a</FromUserName></xml>'],
    ['a repeated Content', fixture('text').replace('<MsgId>', '<Content>x</Content><MsgId>')],
    ['no MsgId', fixture('text').replace(/<MsgId>.*<\/MsgId>/, '')],
    ['no FromUserName', fixture('text').replace(/<FromUserName>.*<\/FromUserName>/, '')],
    ['a DOCTYPE', `<!DOCTYPE xml [<!ENTITY e "x">]>${fixture('text')}`],
    ['broken XML', '<xml><MsgType>text</xml>'],
    ['another root', '<root><MsgType>text</MsgType></root>'],
  ])('rejects %s', (_label, xml) => {
    expect(parseCallback(xml).ok).toBe(false);
  });
});
