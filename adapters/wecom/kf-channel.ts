/**
 * 微信客服 (citizens writing from WeChat): pulling messages after a `kf_msg_or_event` callback,
 * and replying through kf/send_msg inside the 48 h / 5-reply window. Both run from the outbox, so
 * a sync survives a crash after the ack and a reply survives WeCom being down.
 *
 * A citizen's image/voice/video/file is downloaded (media/get) into the shared MediaStore by its
 * own outbox job (`wecom.kf_receive`) and enters the flows as `media:<id>`, so the desk, DingTalk
 * and WeCom helpers can all show it after WeCom's 3-day media_id is gone. The citizen's later
 * messages queue behind it in the same kind of job, so the helper reads them in the order written.
 */
import { randomUUID } from 'node:crypto';
import type { CitizenSender } from '../../src/channel-router.ts';
import { isAppError } from '../../src/core/errors.ts';
import type { Flows } from '../../src/flows/types.ts';
import { DeliveryError, isRetryable, type Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { Clock, MediaStore, OutboundMessage } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import type { WecomApiClient } from './api-client.ts';
import type { KfMessage, MediaType } from './api-types.ts';
import { isBangbanMediaRef, KF_MEDIA_PREFIX, uploadRef, type MediaReader } from './media-bridge.ts';
import { kfMediaOf, kfToInbound, KF_ORIGIN_CITIZEN, KF_ORIGIN_EVENT } from './kf-parse.ts';
import {
  citizensWithQueuedMessages,
  earlierQueuedMessages,
  isInInbox,
  loadCursor,
  recordCitizenMessage,
  saveCursor,
  takeReplySlot,
  type ReplySlot,
} from './kf-store.ts';
import {
  fromKfReceivePayload,
  kfReceiveKey,
  toKfReceivePayload,
  WECOM_OUTBOX,
  type Enqueue,
  type KfReceivePayload,
  type KfSendPayload,
  type KfSyncPayload,
} from './outbox-kinds.ts';

/** A runaway `has_more` must not hold the outbox lease forever; the next callback continues. */
const MAX_PAGES_PER_SYNC = 50;

export interface KfLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function createKfSyncDeliverer(deps: {
  client: WecomApiClient;
  db: Db;
  flows: Pick<Flows, 'receive'>;
  clock: Clock;
  logger: KfLogger;
  welcomeCodes: WelcomeCodes;
  /**
   * With it (the channel has a MediaStore), media messages — and a citizen's messages behind one —
   * go to the `wecom.kf_receive` job; without it media enters the flows with WeCom's media_id.
   */
  enqueue?: Enqueue;
}): Deliverer<KfSyncPayload> {
  // One sync per account at a time in this process: two would read the same cursor.
  const chains = new Map<string, Promise<void>>();
  const syncOnce = async ({ openKfId, token }: KfSyncPayload): Promise<void> => {
    let cursor = await loadCursor(deps.db, openKfId);
    // Citizens whose earlier message is still in the outbox: what they write next waits behind it.
    const queued = deps.enqueue ? await citizensWithQueuedMessages(deps.db) : new Set<string>();
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page += 1) {
      const result = await deps.client.kfSyncMsg({ openKfId, token, ...(cursor ? { cursor } : {}) });
      for (const item of result.messages) {
        // Before the message is handed over: the bot's answer to it needs the reopened window.
        if (item.origin === KF_ORIGIN_CITIZEN && item.external_userid)
          await recordCitizenMessage(deps.db, {
            externalUserId: item.external_userid,
            openKfId,
            msgId: item.msgid,
            sentAt: new Date(item.send_time * 1000),
          });
        const event = item.origin === KF_ORIGIN_EVENT ? item.event : undefined;
        if (event?.event_type === 'enter_session' && event.welcome_code && event.external_userid)
          deps.welcomeCodes.remember(event.external_userid, openKfId, event.welcome_code);
        if (event?.event_type === 'msg_send_fail')
          deps.logger.warn(
            { openKfId, failMsgId: event.fail_msgid, failType: event.fail_type },
            '微信客服 reply was not delivered',
          );
        const message = kfToInbound(item);
        if (!message) continue;
        const media = kfMediaOf(item);
        // Stored (inbox or outbox) before the cursor moves: a crash here re-reads the page, and the
        // inbox and the outbox's idempotency key drop the repeats.
        if (deps.enqueue && (media || queued.has(message.channelUserId))) {
          await deps.enqueue({
            kind: WECOM_OUTBOX.kfReceive,
            payload: toKfReceivePayload(message, media),
            idempotencyKey: kfReceiveKey(message.channelUserId, message.externalId),
          });
          queued.add(message.channelUserId);
        } else await deps.flows.receive(message);
      }
      if (result.nextCursor) {
        cursor = result.nextCursor;
        await saveCursor(deps.db, openKfId, cursor, deps.clock.now());
      }
      if (!result.hasMore) return;
    }
    deps.logger.warn(
      { openKfId },
      'kf/sync_msg still has more after the page limit; continuing on the next callback',
    );
  };
  return (payload) => {
    const previous = chains.get(payload.openKfId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => syncOnce(payload));
    chains.set(payload.openKfId, run);
    void run
      .finally(() => {
        if (chains.get(payload.openKfId) === run) chains.delete(payload.openKfId);
      })
      .catch(() => undefined);
    return run;
  };
}

/** Tries of a failing media/get before the message goes on without its bytes. */
export const KF_MEDIA_FETCH_ATTEMPTS = 4;
/** Tries a message waits for the citizen's earlier one before it goes on regardless (never lost). */
export const KF_ORDER_WAIT_ATTEMPTS = 6;
/** Keys this process delivered whose rows the runner has not marked delivered yet (same batch). */
const RECENT_KEYS = 1000;

const EXTENSIONS: Record<MediaType, string> = { image: '.jpg', voice: '.amr', video: '.mp4', file: '' };
const DEFAULT_TYPES: Record<MediaType, string> = {
  image: 'image/jpeg',
  voice: 'audio/amr',
  video: 'video/mp4',
  file: 'application/octet-stream',
};
const MIME = /^[\w.+-]+\/[\w.+-]+$/;

/**
 * `wecom.kf_receive`: hands a 微信客服 citizen's message to the flows in the order written. A media
 * message is first downloaded with media/get (微信客服 token) into the MediaStore and carries
 * `media:<id>`; a passing failure is retried by the outbox, and after KF_MEDIA_FETCH_ATTEMPTS the
 * message goes on without its bytes (`wecom_kf:<media_id>`, still sendable to WeCom staff for 3 days)
 * rather than being lost. A message whose media is already in the inbox is not fetched again.
 */
export function createKfReceiveDeliverer(deps: {
  client: Pick<WecomApiClient, 'getMedia'>;
  db: Db;
  media: Pick<MediaStore, 'put'>;
  flows: Pick<Flows, 'receive'>;
  logger: KfLogger;
}): Deliverer<KfReceivePayload> {
  const done = new Set<string>();
  const remember = (key: string) => {
    done.add(key);
    if (done.size > RECENT_KEYS) done.delete(done.values().next().value!);
  };
  const fetchMedia = async (media: NonNullable<KfReceivePayload['media']>): Promise<string> => {
    const file = await deps.client.getMedia(media.mediaId, 'kf');
    const type = file.contentType.split(';')[0]!.trim().toLowerCase();
    const named = file.fileName && file.fileName !== media.mediaId;
    const fileName = named ? file.fileName : `${media.kind}${EXTENSIONS[media.kind]}`;
    return deps.media.put({
      bytes: file.data,
      contentType: MIME.test(type) && type !== 'application/octet-stream' ? type : DEFAULT_TYPES[media.kind],
      fileName: /\.\w{2,5}$/.test(fileName) ? fileName : `${fileName}${EXTENSIONS[media.kind]}`,
    });
  };
  const deliver: Deliverer<KfReceivePayload> = async (payload, context) => {
    const message = fromKfReceivePayload(payload);
    const earlier = (
      await earlierQueuedMessages(deps.db, message.channelUserId, context.idempotencyKey)
    ).filter((key) => !done.has(key));
    if (earlier.length > 0) {
      if (context.attempt < KF_ORDER_WAIT_ATTEMPTS)
        throw new DeliveryError(`waiting for the citizen's earlier message ${earlier[0]}`, {
          retryable: true,
        });
      deps.logger.warn(
        { externalId: message.externalId, waitingFor: earlier.length },
        '微信客服 message goes on before an earlier one of the same citizen that is still retrying',
      );
    }
    if (payload.media && 'mediaRef' in message) {
      if (await isInInbox(deps.db, message.externalId)) {
        remember(context.idempotencyKey);
        return;
      }
      try {
        message.mediaRef = await fetchMedia(payload.media);
      } catch (error) {
        // Retry a passing failure a few times, but never lose the citizen's message to a dead letter.
        if (isRetryable(error) && !isAppError(error) && context.attempt < KF_MEDIA_FETCH_ATTEMPTS)
          throw error;
        deps.logger.warn(
          {
            externalId: message.externalId,
            attempt: context.attempt,
            err: error instanceof Error ? error.message : String(error),
          },
          '微信客服 media could not be fetched; the message goes on without its bytes',
        );
        message.mediaRef = `${KF_MEDIA_PREFIX}${payload.media.mediaId}`;
      }
    }
    await deps.flows.receive(message);
    remember(context.idempotencyKey);
  };
  // One citizen's jobs of a batch run one after another, in the order they were queued.
  const chains = new Map<string, Promise<void>>();
  return (payload, context) => {
    const key = String(payload.message['channelUserId']);
    const run = (chains.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => deliver(payload, context));
    chains.set(key, run);
    void run
      .finally(() => {
        if (chains.get(key) === run) chains.delete(key);
      })
      .catch(() => undefined);
    return run;
  };
}

export const createKfSendDeliverer =
  (client: WecomApiClient, readMedia: MediaReader = async () => null): Deliverer<KfSendPayload> =>
  async (payload) => {
    let message = payload.message;
    if (payload.upload) {
      // Uploaded now, not when queued: a media_id lives 3 days and a retry gets a fresh one.
      const { mediaId, mediaType } = await uploadRef(
        client,
        readMedia,
        payload.upload.ref,
        payload.upload.mediaType,
        'kf',
      );
      const { touser, open_kfid, msgid } = message;
      message = { touser, open_kfid, ...(msgid ? { msgid } : {}), ...kfMedia(mediaType, mediaId) };
    }
    if (payload.welcomeCode) await client.kfSendMsgOnEvent(payload.welcomeCode, message);
    else await client.kfSendMsg(message);
  };

function kfMedia(type: 'image' | 'voice' | 'video' | 'file', mediaId: string) {
  const media = { media_id: mediaId };
  switch (type) {
    case 'image':
      return { msgtype: 'image', image: media } as const;
    case 'voice':
      return { msgtype: 'voice', voice: media } as const;
    case 'video':
      return { msgtype: 'video', video: media } as const;
    case 'file':
      return { msgtype: 'file', file: media } as const;
  }
}

/** What must be uploaded before `message` can go: a bangban media ref (not a WeCom media_id). */
export function uploadFor(message: OutboundMessage): KfSendPayload['upload'] {
  return message.kind !== 'text' && isBangbanMediaRef(message.mediaRef)
    ? { ref: message.mediaRef, mediaType: message.kind }
    : undefined;
}

/** welcome_code lives 20 s and may be used once (protocols §5.8). */
const WELCOME_CODE_MS = 20_000;

/**
 * Welcome codes from `enter_session` events, per citizen, in memory: the bot's welcome is decided
 * right after the event is received, in the same process, well inside the code's 20 s.
 */
export class WelcomeCodes {
  readonly #codes = new Map<string, { code: string; openKfId: string; until: number }>();
  readonly #clock: Clock;
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  remember(externalUserId: string, openKfId: string, code: string): void {
    this.#codes.set(externalUserId, { code, openKfId, until: this.#clock.now().getTime() + WELCOME_CODE_MS });
  }

  /** The citizen's unexpired code, used up by taking it. */
  take(externalUserId: string): { code: string; openKfId: string } | undefined {
    const entry = this.#codes.get(externalUserId);
    this.#codes.delete(externalUserId);
    return entry && entry.until > this.#clock.now().getTime() ? entry : undefined;
  }
}

/** msgid for kf/send_msg: ≤ 32 of [0-9a-zA-Z_-]. */
const kfMsgId = () => randomUUID().replaceAll('-', '');

/** OutboundMessage → kf/send_msg body; choices become a msgmenu whose clicks come back as their keys. */
export function toKfMessage(touser: string, openKfId: string, message: OutboundMessage): KfMessage {
  const base = { touser, open_kfid: openKfId, msgid: kfMsgId() };
  if (message.kind !== 'text') {
    // A bangban ref gets its media_id at delivery (see uploadFor); WeCom's own ids go as they are.
    return { ...base, ...kfMedia(message.kind, isBangbanMediaRef(message.mediaRef) ? '' : message.mediaRef) };
  }
  if (message.choices && message.choices.length > 0) {
    return {
      ...base,
      msgtype: 'msgmenu',
      msgmenu: {
        head_content: message.text,
        list: message.choices.map((choice) => ({
          type: 'click',
          click: { id: choice.key, content: choice.label },
        })),
      },
    };
  }
  return { ...base, msgtype: 'text', text: { content: message.text } };
}

const REFUSED: Record<Exclude<ReplySlot, { ok: true }>['reason'], string> = {
  unknown_citizen: '该服务对象未通过微信客服留言，无法回复。',
  window_closed: '服务对象已超过 48 小时未发言，微信客服无法再发送消息，请改用电话或待其再次留言。',
  reply_limit: '微信客服规则：服务对象每发一条消息，最多可回复 5 条。请等待服务对象回复后再发送。',
};

/**
 * `sendToCitizen` for channel 'wecom_kf'. Takes a reply slot first (48 h / 5 per citizen
 * message); without one the message is not sent and `tellStaff` explains why to whoever sent it.
 */
export function createKfCitizenSender(deps: {
  db: Db;
  enqueue: Enqueue;
  clock: Clock;
  logger: KfLogger;
  welcomeCodes: WelcomeCodes;
  tellStaff(conversationId: string, text: string): Promise<void>;
}): CitizenSender {
  return {
    async sendToCitizen(to, message) {
      const slot = await takeReplySlot(deps.db, to.citizenUserId, deps.clock.now());
      const welcome = slot.ok ? undefined : deps.welcomeCodes.take(to.citizenUserId);
      if (welcome) {
        // The citizen opened the chat but has not written: the welcome code is the one way to answer.
        const kf = toKfMessage(to.citizenUserId, welcome.openKfId, message);
        const upload = uploadFor(message);
        const payload: KfSendPayload = {
          message: kf,
          conversationId: to.conversationId,
          welcomeCode: welcome.code,
          ...(upload ? { upload } : {}),
        };
        await deps.enqueue({ kind: WECOM_OUTBOX.kfSend, payload, idempotencyKey: `wecom:kf:${kf.msgid}` });
        return;
      }
      if (!slot.ok) {
        deps.logger.warn(
          { conversationId: to.conversationId, reason: slot.reason },
          '微信客服 reply not sent',
        );
        await deps.tellStaff(to.conversationId, REFUSED[slot.reason]);
        return;
      }
      const kf = toKfMessage(to.citizenUserId, slot.openKfId, message);
      const upload = uploadFor(message);
      const payload: KfSendPayload = {
        message: kf,
        conversationId: to.conversationId,
        ...(upload ? { upload } : {}),
      };
      await deps.enqueue({ kind: WECOM_OUTBOX.kfSend, payload, idempotencyKey: `wecom:kf:${kf.msgid}` });
    },
  };
}
