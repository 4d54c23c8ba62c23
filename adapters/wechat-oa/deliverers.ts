/**
 * The channel's outbox deliverers: custom messages to citizens (media uploaded first, one citizen's
 * messages in order) and the download of a citizen's media before it enters the flows.
 */
import { isAppError } from '../../src/core/errors.ts';
import type { Flows } from '../../src/flows/types.ts';
import { DeliveryError, isRetryable, type Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { MediaStore } from '../../src/ports.ts';
import type { CustomMessage, WechatApiClient } from './api-client.ts';
import { UNREACHABLE_ERRCODES, WechatApiError } from './api-errors.ts';
import type { OaLogger, UnreachableReport } from './citizen-sender.ts';
import { fromMediaFetchPayload, type CustomSendPayload, type MediaFetchPayload } from './outbox-kinds.ts';
import { customMedia, customText, textWithChoices } from './render-message.ts';

export const FILE_NOT_SUPPORTED = (name?: string) =>
  `帮办人员向您发送了文件${name ? `《${name}》` : ''}。公众号暂不支持文件消息，请通过网站“小申”帮办或电话获取。`;

/** Per citizen, in this process: a batch of their messages goes out in the order it was enqueued. */
function chained<P>(keyOf: (payload: P) => string, deliver: Deliverer<P>): Deliverer<P> {
  const chains = new Map<string, Promise<void>>();
  return (payload, context) => {
    const key = keyOf(payload);
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

export function createCustomSendDeliverer(deps: {
  client: WechatApiClient;
  media: MediaStore;
  unreachable: (report: UnreachableReport) => Promise<void>;
}): Deliverer<CustomSendPayload> {
  const render = async ({ openId, message }: CustomSendPayload): Promise<CustomMessage> => {
    if (message.kind === 'text') return customText(openId, textWithChoices(message));
    if (message.kind === 'file') return customText(openId, FILE_NOT_SUPPORTED(message.fileName));
    const stored = await deps.media.get(message.mediaRef);
    if (!stored)
      throw new DeliveryError(`media ${message.mediaRef.slice(0, 60)} is not in the media store`, {
        retryable: false,
      });
    const mediaId = await deps.client.uploadMedia(message.kind, {
      data: stored.bytes,
      contentType: stored.contentType,
      fileName: stored.fileName ?? message.fileName ?? `${message.kind}${EXTENSIONS[message.kind]}`,
    });
    return customMedia(openId, message.kind, mediaId);
  };
  return chained(
    (payload) => payload.openId,
    async (payload) => {
      const body = await render(payload);
      try {
        await deps.client.sendCustom(body);
      } catch (error) {
        if (!(error instanceof WechatApiError) || !UNREACHABLE_ERRCODES.has(error.errcode)) throw error;
        // WeChat's own window says no (e.g. a counter we could not know of): record, tell, do not retry.
        await deps.unreachable({
          to: { channel: 'wechat_oa', citizenUserId: payload.openId, conversationId: payload.conversationId },
          kind: payload.message.kind,
          reason: 'api_refused',
          errcode: error.errcode,
        });
      }
    },
  );
}

const EXTENSIONS = { image: '.jpg', voice: '.amr', video: '.mp4' } as const;
const DEFAULT_TYPES = { image: 'image/jpeg', voice: 'audio/amr', video: 'video/mp4' } as const;
const MIME = /^[\w.+-]+\/[\w.+-]+$/;
/** Tries of a failing media/get before the message goes on without its bytes. */
const MEDIA_FETCH_ATTEMPTS = 4;

/**
 * media/get → MediaStore → the flows, with the `media:<id>` ref as mediaRef. WeChat keeps a citizen's
 * media 3 days; a permanent failure (invalid media_id, too large) still delivers the message, with
 * WeChat's handle as the ref, so the helper sees that something was sent.
 */
export function createMediaFetchDeliverer(deps: {
  client: WechatApiClient;
  media: MediaStore;
  flows: Pick<Flows, 'receive'>;
  logger: OaLogger;
}): Deliverer<MediaFetchPayload> {
  return async (payload, context) => {
    const message = fromMediaFetchPayload(payload);
    const { mediaId, kind } = payload.media;
    let mediaRef: string;
    try {
      const file = await deps.client.getMedia(mediaId);
      const type = file.contentType.split(';')[0]!.trim();
      mediaRef = await deps.media.put({
        bytes: file.data,
        contentType: MIME.test(type) && type !== 'application/octet-stream' ? type : DEFAULT_TYPES[kind],
        fileName: /\.\w{2,5}$/.test(file.fileName) ? file.fileName : `${file.fileName}${EXTENSIONS[kind]}`,
      });
    } catch (error) {
      // Retry a passing failure a few times, but never lose the citizen's message to a dead letter.
      if (isRetryable(error) && !isAppError(error) && context.attempt < MEDIA_FETCH_ATTEMPTS) throw error;
      deps.logger.warn(
        { externalId: message.externalId, err: error instanceof Error ? error.message : String(error) },
        'WeChat media could not be fetched; the message goes on without its bytes',
      );
      mediaRef = `wechat_oa:${mediaId}`;
    }
    await deps.flows.receive({ ...message, mediaRef } as typeof message);
  };
}
