/**
 * Decrypted app-callback XML (protocols §4.3) → what bangban does with it. Members of the corp
 * writing to the app are staff (channel 'wecom'); `kf_msg_or_event` only says "pull 微信客服
 * messages now"; anything else is acknowledged and ignored. Ids stay strings (MsgId > 2^53).
 */
import type { InboundMessage } from '../../src/core/inbound.ts';
import { parseJsonDocument } from './json-callback.ts';
import { parseXmlDocument, textOf, type XmlRecord } from './xml.ts';

export type WecomCallback =
  | {
      type: 'inbound';
      message: InboundMessage;
      /** template_card_event: the card and its single-use update code. */
      card?: { taskId: string; responseCode: string };
    }
  | { type: 'kf'; token: string; openKfId: string; dedupeKey: string }
  | { type: 'ignored'; msgType: string; event?: string };

export type ParseCallbackResult = { ok: true; callback: WecomCallback } | { ok: false; reason: string };

const fail = (reason: string): ParseCallbackResult => ({ ok: false, reason });

/** A scalar child as a string, or null when absent, repeated or not a plain value. */
function stringOf(x: XmlRecord, tag: string): string | null {
  const value = textOf(x, tag);
  return typeof value === 'string' ? value : null;
}

/** An optional scalar child: undefined unless it is a plain value. */
function optionalOf(x: XmlRecord, tag: string): string | undefined {
  return stringOf(x, tag) ?? undefined;
}

function inbound(fields: Base, message: Record<string, unknown>): ParseCallbackResult {
  return { ok: true, callback: { type: 'inbound', message: { ...fields, ...message } as InboundMessage } };
}

/** The decrypted message, XML or (JSON callbacks) JSON with the same field names. */
export function parseCallback(plaintext: string): ParseCallbackResult {
  // The helpers are module-level functions on purpose: under tsx (esbuild keepNames) every closure
  // created per call is also named with Object.defineProperty, which is slow on this hot path.
  const doc = plaintext.trimStart().startsWith('{')
    ? parseJsonDocument(plaintext)
    : parseXmlDocument(plaintext);
  if (!doc.ok) return fail(doc.reason);
  const x = doc.root;
  const msgType = textOf(x, 'MsgType');
  if (typeof msgType !== 'string' || msgType === '') return fail('MsgType is required');
  if (msgType === 'event') return parseEvent(x);

  const base = messageBase(x);
  if (!base.ok) return base;
  const fields = base.value;
  switch (msgType) {
    case 'text': {
      const content = stringOf(x, 'Content');
      if (content === null) return fail('text needs Content');
      // The common case, spelled out: a literal of known shape is much cheaper than the spread.
      const { channel, externalId, channelUserId, senderRole, sentAt } = fields;
      const message: InboundMessage = {
        channel,
        externalId,
        channelUserId,
        senderRole,
        sentAt,
        kind: 'text',
        text: content,
      };
      return { ok: true, callback: { type: 'inbound', message } };
    }
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const mediaId = stringOf(x, 'MediaId');
      if (mediaId === null || mediaId === '') return fail(`${msgType} needs MediaId`);
      const recognition = msgType === 'voice' ? optionalOf(x, 'Recognition') : undefined;
      const fileName = optionalOf(x, 'FileName') ?? optionalOf(x, 'Title');
      return inbound(fields, {
        kind: msgType,
        mediaRef: mediaId,
        ...(recognition ? { recognition } : {}),
        ...(fileName ? { fileName } : {}),
      });
    }
    case 'location': {
      const latitude = Number(stringOf(x, 'Location_X'));
      const longitude = Number(stringOf(x, 'Location_Y'));
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude))
        return fail('location needs Location_X/Y');
      const label = optionalOf(x, 'Label');
      return inbound(fields, { kind: 'location', latitude, longitude, ...(label ? { label } : {}) });
    }
    case 'link': {
      const url = stringOf(x, 'Url');
      if (url === null) return fail('link needs Url');
      const description = optionalOf(x, 'Description');
      return inbound(fields, {
        kind: 'link',
        title: optionalOf(x, 'Title') ?? '',
        url,
        ...(description ? { description } : {}),
      });
    }
    default:
      return { ok: true, callback: { type: 'ignored', msgType } };
  }
}

type Base = Pick<InboundMessage, 'channel' | 'externalId' | 'channelUserId' | 'senderRole' | 'sentAt'>;

function messageBase(
  x: XmlRecord,
  externalId?: string,
): { ok: true; value: Base } | { ok: false; reason: string } {
  const from = textOf(x, 'FromUserName');
  if (typeof from !== 'string' || from === '') return { ok: false, reason: 'FromUserName is required' };
  const createTime = textOf(x, 'CreateTime');
  if (typeof createTime !== 'string' || !/^\d{1,12}$/.test(createTime.trim()))
    return { ok: false, reason: 'CreateTime must be whole seconds' };
  const msgId = textOf(x, 'MsgId');
  const id = externalId ?? (typeof msgId === 'string' && msgId.trim() !== '' ? msgId.trim() : null);
  if (id === null) return { ok: false, reason: 'MsgId is required' };
  return {
    ok: true,
    value: {
      channel: 'wecom',
      externalId: id,
      channelUserId: from,
      senderRole: 'staff',
      sentAt: new Date(Number(createTime.trim()) * 1000),
    },
  };
}

function parseEvent(x: XmlRecord): ParseCallbackResult {
  const event = textOf(x, 'Event');
  if (typeof event !== 'string' || event === '') return fail('an event needs Event');
  if (event === 'kf_msg_or_event') {
    const token = textOf(x, 'Token');
    const openKfId = textOf(x, 'OpenKfId');
    if (typeof token !== 'string' || token === '' || typeof openKfId !== 'string' || openKfId === '')
      return fail('kf_msg_or_event needs Token and OpenKfId');
    // The callback token is unique per push, so it also dedupes WeCom's retries.
    return { ok: true, callback: { type: 'kf', token, openKfId, dedupeKey: `${openKfId}:${token}` } };
  }
  const from = textOf(x, 'FromUserName');
  const createTime = textOf(x, 'CreateTime');
  // WeCom: dedupe events on FromUserName + CreateTime (doc 96466); card clicks also on task and key.
  const eventId = `${String(from)}:${String(createTime)}:${event}`;
  if (event === 'template_card_event') {
    const key = textOf(x, 'EventKey');
    const taskId = textOf(x, 'TaskId');
    if (typeof key !== 'string' || typeof taskId !== 'string')
      return fail('template_card_event needs EventKey and TaskId');
    const base = messageBase(x, `${eventId}:${taskId}:${key}`);
    if (!base.ok) return base;
    const responseCode = textOf(x, 'ResponseCode');
    return {
      ok: true,
      callback: {
        type: 'inbound',
        message: { ...base.value, kind: 'event', event: 'card_action', key },
        ...(typeof responseCode === 'string' && responseCode !== ''
          ? { card: { taskId, responseCode } }
          : {}),
      },
    };
  }
  if (event === 'enter_agent' || event === 'click') {
    const base = messageBase(x, eventId);
    if (!base.ok) return base;
    const key = textOf(x, 'EventKey');
    const message: InboundMessage =
      event === 'click'
        ? { ...base.value, kind: 'event', event: 'menu_click', ...(typeof key === 'string' ? { key } : {}) }
        : { ...base.value, kind: 'event', event: 'enter_session' };
    return { ok: true, callback: { type: 'inbound', message } };
  }
  return { ok: true, callback: { type: 'ignored', msgType: 'event', event } };
}
