import { describe, expect, it } from 'vitest';
import { parsePush } from '../../../adapters/wechat-oa/parse-message.ts';

/** Pushes as the MP docs show them (protocols §6.3): CDATA strings, bare numbers, newlines between tags. */
const xml = (inner: string) =>
  `<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n<FromUserName><![CDATA[oia2TjjewbmiOUlr6X-1crbLOvLw]]></FromUserName>\n<CreateTime>1409304348</CreateTime>\n${inner}</xml>`;

const base = {
  channel: 'wechat_oa',
  channelUserId: 'oia2TjjewbmiOUlr6X-1crbLOvLw',
  senderRole: 'citizen',
  sentAt: new Date(1409304348 * 1000),
};

describe('parsePush', () => {
  it('text: MsgId stays a 64-bit string', () => {
    const parsed = parsePush(
      xml(
        '<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[你好\n第二行]]></Content>\n<MsgId>4561255354251345929</MsgId>\n',
      ),
      'xml',
    );
    expect(parsed).toEqual({
      ok: true,
      push: {
        type: 'inbound',
        openId: 'oia2TjjewbmiOUlr6X-1crbLOvLw',
        accountId: 'gh_7f083739789a',
        opensWindow: 'message',
        message: { ...base, kind: 'text', externalId: '4561255354251345929', text: '你好\n第二行' },
      },
    });
  });

  it('image, voice with Recognition, video and shortvideo wait for their media', () => {
    const image = parsePush(
      xml('<MsgType>image</MsgType><PicUrl>http://x</PicUrl><MediaId>m1</MediaId><MsgId>1</MsgId>'),
      'xml',
    );
    expect(image).toMatchObject({
      ok: true,
      push: { media: { mediaId: 'm1', kind: 'image' }, message: { kind: 'image' } },
    });
    const voice = parsePush(
      xml(
        '<MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format><Recognition>转人工</Recognition><MsgId>2</MsgId>',
      ),
      'xml',
    );
    expect(voice).toMatchObject({ ok: true, push: { message: { kind: 'voice', recognition: '转人工' } } });
    for (const type of ['video', 'shortvideo']) {
      const video = parsePush(
        xml(`<MsgType>${type}</MsgType><MediaId>m3</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>3</MsgId>`),
        'xml',
      );
      expect(video).toMatchObject({
        ok: true,
        push: { media: { kind: 'video' }, message: { kind: 'video' } },
      });
    }
  });

  it('location and link', () => {
    expect(
      parsePush(
        xml(
          '<MsgType>location</MsgType><Location_X>31.2304</Location_X><Location_Y>121.4737</Location_Y><Scale>15</Scale><Label><![CDATA[上海市]]></Label><MsgId>4</MsgId>',
        ),
        'xml',
      ),
    ).toMatchObject({
      ok: true,
      push: { message: { kind: 'location', latitude: 31.2304, longitude: 121.4737, label: '上海市' } },
    });
    expect(
      parsePush(
        xml(
          '<MsgType>location</MsgType><Location_X>abc</Location_X><Location_Y>1</Location_Y><MsgId>5</MsgId>',
        ),
        'xml',
      ),
    ).toMatchObject({ ok: false });
    expect(
      parsePush(
        xml(
          '<MsgType>link</MsgType><Title>指南</Title><Description>d</Description><Url>https://zwdt.sh.gov.cn/</Url><MsgId>6</MsgId>',
        ),
        'xml',
      ),
    ).toMatchObject({
      ok: true,
      push: { message: { kind: 'link', title: '指南', url: 'https://zwdt.sh.gov.cn/', description: 'd' } },
    });
  });

  it('events: subscribe, unsubscribe, CLICK (menu key), VIEW; dedupe key from FromUserName + CreateTime', () => {
    expect(
      parsePush(xml('<MsgType>event</MsgType><Event>subscribe</Event><EventKey></EventKey>'), 'xml'),
    ).toMatchObject({
      ok: true,
      push: {
        opensWindow: 'event',
        message: {
          kind: 'event',
          event: 'subscribe',
          externalId: 'oia2TjjewbmiOUlr6X-1crbLOvLw:1409304348:subscribe',
        },
      },
    });
    expect(parsePush(xml('<MsgType>event</MsgType><Event>unsubscribe</Event>'), 'xml')).toMatchObject({
      push: { opensWindow: null, message: { event: 'unsubscribe' } },
    });
    expect(
      parsePush(
        xml('<MsgType>event</MsgType><Event>CLICK</Event><EventKey>item:device-registration</EventKey>'),
        'xml',
      ),
    ).toMatchObject({ push: { message: { event: 'menu_click', key: 'item:device-registration' } } });
    expect(
      parsePush(
        xml(
          '<MsgType>event</MsgType><Event>VIEW</Event><EventKey>https://zwdt.sh.gov.cn/</EventKey><MenuId>1</MenuId>',
        ),
        'xml',
      ),
    ).toMatchObject({ push: { opensWindow: null, message: { event: 'other', key: 'VIEW' } } });
  });

  it('unknown events and message types are acknowledged, not stored', () => {
    expect(
      parsePush(
        xml(
          '<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>1</MsgID><Status>success</Status>',
        ),
        'xml',
      ),
    ).toMatchObject({
      ok: true,
      push: { type: 'ignored', reason: 'unknown_event', event: 'TEMPLATESENDJOBFINISH' },
    });
    expect(parsePush(xml('<MsgType>miniprogrampage</MsgType><MsgId>9</MsgId>'), 'xml')).toMatchObject({
      ok: true,
      push: { type: 'ignored', reason: 'unknown_message_type' },
    });
  });

  it('the JSON push format', () => {
    const json =
      '{"ToUserName":"gh_7f083739789a","FromUserName":"oia2TjjewbmiOUlr6X-1crbLOvLw","CreateTime":1409304348,"MsgType":"text","Content":"hello","MsgId":4561255354251345929}';
    expect(parsePush(json, 'json')).toMatchObject({
      ok: true,
      push: { message: { kind: 'text', text: 'hello', externalId: '4561255354251345929' } },
    });
  });

  it('refuses what cannot be a push', () => {
    for (const text of [
      '<xml><MsgType>text</MsgType></xml>',
      xml('<MsgType>text</MsgType><Content>x</Content>'),
      xml('<MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>1</MsgId>'),
      xml('<MsgType>image</MsgType><MsgId>1</MsgId>'),
      xml('<MsgType>event</MsgType><Event>CLICK</Event>'),
      '<xml><a>',
      '<!DOCTYPE x [<!ENTITY e "x">]><xml><a>&e;</a></xml>',
    ])
      expect(parsePush(text, 'xml')).toMatchObject({ ok: false });
    for (const text of ['[]', '"x"', '{', '{"FromUserName":"o"}'])
      expect(parsePush(text, 'json')).toMatchObject({ ok: false });
  });
});
