import type { InboundMessage } from '../core/inbound.ts';
import { claimById } from './claim-conversation.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { relayStaffMedia } from './relay-staff-message.ts';
import { info } from './staff-conversation-commands.ts';
import { claimFailure, runStaffInput } from './staff-input.ts';
import { checkOwner, lockTarget } from './staff-target.ts';

/**
 * A staff member writing in work chat (WeCom app, DingTalk robot …): recognised by their identity
 * on that channel, then handled like a desk line. Card buttons send `claim:<conversationId>`;
 * an image, voice clip, video or file goes to the citizen of their current conversation.
 */
export async function handleStaffMessage(
  ctx: FlowContext,
  step: Step,
  message: InboundMessage,
): Promise<void> {
  const staffId =
    message.channel === 'desk'
      ? message.channelUserId
      : await step.tx.staffState.staffIdForIdentity(message.channel, message.channelUserId);
  if (!staffId || !ctx.org.staff(staffId)) {
    ctx.logger.warn({ channel: message.channel }, 'message from an unknown staff identity ignored');
    return;
  }
  switch (message.kind) {
    case 'event': {
      const claim = /^claim:(.+)$/.exec(message.key ?? '');
      if (!claim) return;
      const result = await claimById(ctx, step, staffId, claim[1]!);
      if (result.ok) info(step, staffId, `已接单 #${result.conversation.code}。`, result.conversation.id);
      else info(step, staffId, claimFailure(result.reason).message, claim[1]);
      return;
    }
    case 'text':
      await runStaffInput(ctx, step, { staffId, text: message.text });
      return;
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const target = await lockTarget(step, staffId, {});
      const refused = target.ok ? checkOwner(target.conversation, staffId) : target;
      if (refused || !target.ok) {
        info(step, staffId, refused?.message ?? '');
        return;
      }
      const { conversation } = target;
      await relayStaffMedia(ctx, step, conversation, staffId, {
        kind: message.kind,
        mediaRef: message.mediaRef,
        ...(message.fileName ? { fileName: message.fileName } : {}),
      });
      await step.tx.staffState.setCurrent(staffId, conversation.id, step.at);
      return;
    }
    default:
      info(step, staffId, '暂不支持向服务对象转发位置或链接，请用文字回复。');
  }
}
