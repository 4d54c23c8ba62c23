/**
 * A decrypted Official Account push (XML or JSON, protocols §6.3) → one InboundMessage for the
 * flows, or a reason to acknowledge it without storing. Values stay strings (MsgId exceeds 2^53);
 * numbers are parsed only where the core wants numbers (coordinates).
 */
import type { InboundMessage } from '../../src/core/inbound.ts';
import { parseXmlDocument, textOf } from '../wecom/xml.ts';
import { parseJsonLossless } from './json-lossless.ts';
import type { OaFormat } from './verify-callback.ts';

export const WECHAT_OA_CHANNEL = 'wechat_oa';

/** Media that must be fetched with media/get before the message can go to the flows. */
export interface PendingMedia {
  mediaId: string;
  kind: 'image' | 'voice' | 'video';
}

/** What opens a customer-service window (protocols §6.6): a message 48 h / 5, a click or subscribe 1 min / 3. */
export type WindowTrigger = 'message' | 'event' | null;

export type OaPush =
  | {
      type: 'inbound';
      /** For media: `mediaRef` is filled in once the bytes are stored. */
      message: InboundMessage;
      media?: PendingMedia;
      openId: string;
      /** The account's original id (gh_…), the FromUserName of a passive reply. */
      accountId: string;
      opensWindow: WindowTrigger;
    }
  | { type: 'ignored'; reason: string; openId: string; accountId: string; msgType: string; event?: string };

export type ParseResult = { ok: true; push: OaPush } | { ok: false; reason: string };

type Fields = Record<string, string>;

/** The flat fields of the push, every value a string; null with a reason when unusable. */
export function readFields(
  text: string,
  format: OaFormat,
): { ok: true; fields: Fields } | { ok: false; reason: string } {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(text);
    } catch {
      return { ok: false, reason: 'not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, reason: 'expected a JSON object' };
    const fields: Fields = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') fields[key] = value;
      else if (typeof value === 'number' && Number.isFinite(value)) fields[key] = String(value);
    }
    return { ok: true, fields };
  }
  const document = parseXmlDocument(text);
  if (!document.ok) return { ok: false, reason: document.reason };
  const fields: Fields = {};
  for (const key of Object.keys(document.root)) {
    const value = textOf(document.root, key);
    // A repeated scalar is refused rather than guessed at; nested records (e.g. ScanCodeInfo) are skipped.
    if (value === null && Array.isArray(document.root[key]))
      return { ok: false, reason: `repeated <${key}>` };
    if (typeof value === 'string') fields[key] = value;
  }
  return { ok: true, fields };
}

const MAX_ID = 128;

export function parsePush(text: string, format: OaFormat): ParseResult {
  const read = readFields(text, format);
  if (!read.ok) return read;
  const f = read.fields;
  const openId = f['FromUserName'];
  const accountId = f['ToUserName'];
  const msgType = f['MsgType'];
  const createTime = f['CreateTime'];
  if (!openId || openId.length > MAX_ID) return { ok: false, reason: 'FromUserName (openid) is required' };
  if (!accountId || accountId.length > MAX_ID) return { ok: false, reason: 'ToUserName is required' };
  if (!msgType) return { ok: false, reason: 'MsgType is required' };
  if (!createTime || !/^\d{1,12}$/.test(createTime))
    return { ok: false, reason: 'CreateTime must be whole seconds' };
  const base = {
    channel: WECHAT_OA_CHANNEL,
    channelUserId: openId,
    senderRole: 'citizen',
    sentAt: new Date(Number(createTime) * 1000),
  } as const;
  const inbound = (
    message: InboundMessage,
    opensWindow: WindowTrigger,
    media?: PendingMedia,
  ): ParseResult => ({
    ok: true,
    push: { type: 'inbound', message, openId, accountId, opensWindow, ...(media ? { media } : {}) },
  });
  const ignored = (reason: string, event?: string): ParseResult => ({
    ok: true,
    push: { type: 'ignored', reason, openId, accountId, msgType, ...(event ? { event } : {}) },
  });

  if (msgType === 'event') {
    const event = f['Event'];
    if (!event) return { ok: false, reason: 'Event is required for MsgType event' };
    // Events have no MsgId: WeChat's retries repeat FromUserName + CreateTime (protocols §6.4).
    const eventBase = { ...base, kind: 'event', externalId: `${openId}:${createTime}:${event}` } as const;
    const key = f['EventKey'] ?? '';
    switch (event) {
      case 'subscribe':
        return inbound({ ...eventBase, event: 'subscribe' }, 'event');
      case 'unsubscribe':
        return inbound({ ...eventBase, event: 'unsubscribe' }, null);
      case 'CLICK':
        if (!key) return { ok: false, reason: 'EventKey is required for a CLICK' };
        return inbound({ ...eventBase, event: 'menu_click', key: key.slice(0, 128) }, 'event');
      case 'VIEW':
        // A link in the menu: recorded, but nothing to answer (the citizen left for the page).
        return inbound({ ...eventBase, event: 'other', key: 'VIEW' }, null);
      default:
        return ignored('unknown_event', event);
    }
  }

  const msgId = f['MsgId'];
  if (!msgId || !/^[0-9A-Za-z_-]{1,64}$/.test(msgId)) return { ok: false, reason: 'MsgId is required' };
  const messageBase = { ...base, externalId: msgId };
  const mediaId = f['MediaId'];
  switch (msgType) {
    case 'text':
      return inbound({ ...messageBase, kind: 'text', text: f['Content'] ?? '' }, 'message');
    case 'image':
    case 'voice':
    case 'video':
    case 'shortvideo': {
      if (!mediaId) return { ok: false, reason: `MediaId is required for ${msgType}` };
      const kind = msgType === 'shortvideo' ? 'video' : msgType;
      const recognition = f['Recognition']?.trim();
      return inbound(
        {
          ...messageBase,
          kind,
          mediaRef: '',
          ...(kind === 'voice' && recognition ? { recognition } : {}),
        },
        'message',
        { mediaId, kind },
      );
    }
    case 'location': {
      const latitude = Number(f['Location_X']);
      const longitude = Number(f['Location_Y']);
      if (!isCoordinate(f['Location_X'], latitude, 90) || !isCoordinate(f['Location_Y'], longitude, 180))
        return { ok: false, reason: 'Location_X and Location_Y must be coordinates' };
      const label = f['Label']?.trim();
      return inbound(
        { ...messageBase, kind: 'location', latitude, longitude, ...(label ? { label } : {}) },
        'message',
      );
    }
    case 'link': {
      const url = f['Url'] ?? '';
      const description = f['Description']?.trim();
      return inbound(
        {
          ...messageBase,
          kind: 'link',
          title: f['Title'] ?? '',
          url,
          ...(description ? { description } : {}),
        },
        'message',
      );
    }
    default:
      return ignored('unknown_message_type');
  }
}

function isCoordinate(raw: string | undefined, value: number, limit: number): boolean {
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(value) && Math.abs(value) <= limit;
}
