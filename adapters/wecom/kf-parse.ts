import type { InboundMessage } from '../../src/core/inbound.ts';
import type { KfSyncItem, MediaType } from './api-types.ts';

/** Origins in kf/sync_msg: 3 = the WeChat citizen, 4 = a system event, 5 = a servicer in the WeCom client. */
export const KF_ORIGIN_CITIZEN = 3;
export const KF_ORIGIN_EVENT = 4;

/**
 * One kf/sync_msg entry from a citizen → InboundMessage on channel 'wecom_kf' (msgid dedupes),
 * or null for what bangban does not handle (servicer echoes, unknown types). A menu click
 * (text with menu_id) becomes a menu_click event whose key is the choice's key.
 */
export function kfToInbound(item: KfSyncItem): InboundMessage | null {
  if (item.origin === KF_ORIGIN_EVENT) return kfEventToInbound(item);
  if (item.origin !== KF_ORIGIN_CITIZEN || !item.external_userid || !item.msgid) return null;
  const base = {
    channel: 'wecom_kf' as const,
    externalId: item.msgid,
    channelUserId: item.external_userid,
    senderRole: 'citizen' as const,
    sentAt: new Date(item.send_time * 1000),
    channelThreadId: item.open_kfid,
  };
  switch (item.msgtype) {
    case 'text':
      if (item.text?.menu_id) return { ...base, kind: 'event', event: 'menu_click', key: item.text.menu_id };
      return item.text ? { ...base, kind: 'text', text: item.text.content } : null;
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const media = item[item.msgtype];
      return media?.media_id ? { ...base, kind: item.msgtype, mediaRef: media.media_id } : null;
    }
    case 'location':
      return item.location
        ? {
            ...base,
            kind: 'location',
            latitude: item.location.latitude,
            longitude: item.location.longitude,
            ...(item.location.name ? { label: item.location.name } : {}),
          }
        : null;
    case 'link':
      return item.link?.url
        ? {
            ...base,
            kind: 'link',
            title: item.link.title ?? '',
            url: item.link.url,
            ...(item.link.desc ? { description: item.link.desc } : {}),
          }
        : null;
    default:
      return null;
  }
}

/** The 微信客服 media_id of a citizen's image/voice/video/file message (valid 3 days, same corp only). */
export function kfMediaOf(item: KfSyncItem): { mediaId: string; kind: MediaType } | undefined {
  if (item.origin !== KF_ORIGIN_CITIZEN) return undefined;
  switch (item.msgtype) {
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const mediaId = item[item.msgtype]?.media_id;
      return mediaId ? { mediaId, kind: item.msgtype } : undefined;
    }
    default:
      return undefined;
  }
}

/** enter_session (the citizen opened the chat) starts a conversation like a widget opening. */
function kfEventToInbound(item: KfSyncItem): InboundMessage | null {
  const event = item.event;
  if (event?.event_type !== 'enter_session' || !event.external_userid || !item.msgid) return null;
  return {
    channel: 'wecom_kf',
    externalId: item.msgid,
    channelUserId: event.external_userid,
    senderRole: 'citizen',
    sentAt: new Date(item.send_time * 1000),
    channelThreadId: item.open_kfid,
    kind: 'event',
    event: 'enter_session',
    ...(event.scene_param ? { key: event.scene_param } : {}),
  };
}
