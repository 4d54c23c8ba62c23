/**
 * The outbox job behind a staff member's image/voice/video/file in the WeCom app: media/get the
 * bytes, keep them in the shared MediaStore, and hand the message to the flows with the
 * `media:<id>` ref, so any citizen channel (widget, 微信客服, 公众号 …) can show or upload it.
 */
import { AppError } from '../../src/core/errors.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { MediaStore } from '../../src/ports.ts';
import type { WecomApiClient } from './api-client.ts';
import { WECOM_OUTBOX, type AppPayload, type Enqueue, type StaffMediaPayload } from './outbox-kinds.ts';

export const MEDIA_TOO_LARGE = '该文件过大，无法转发给服务对象（上限 20 MB），请压缩后重发或改用文字说明。';

export function createStaffMediaDeliverer(deps: {
  client: Pick<WecomApiClient, 'getMedia'>;
  media: Pick<MediaStore, 'put'>;
  flows: Pick<Flows, 'receive'>;
  enqueue: Enqueue;
}): Deliverer<StaffMediaPayload> {
  return async (payload) => {
    const file = await deps.client.getMedia(payload.mediaId);
    const fileName = payload.fileName ?? file.fileName;
    let mediaRef: string;
    try {
      mediaRef = await deps.media.put({
        bytes: file.data,
        contentType: file.contentType.split(';')[0]!.trim() || 'application/octet-stream',
        ...(fileName && fileName !== payload.mediaId ? { fileName } : {}),
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'payload_too_large') throw error;
      const tell: AppPayload = {
        userId: payload.userId,
        message: { msgtype: 'text', text: { content: MEDIA_TOO_LARGE } },
      };
      await deps.enqueue({
        kind: WECOM_OUTBOX.app,
        payload: tell,
        idempotencyKey: `wecom:media-too-large:${payload.msgId}`,
      });
      return;
    }
    await deps.flows.receive({
      channel: 'wecom',
      externalId: payload.msgId,
      channelUserId: payload.userId,
      senderRole: 'staff',
      ...(payload.sentAt ? { sentAt: new Date(payload.sentAt) } : {}),
      kind: payload.kind,
      mediaRef,
      ...(fileName && fileName !== payload.mediaId ? { fileName } : {}),
      ...(payload.recognition ? { recognition: payload.recognition } : {}),
    });
  };
}
