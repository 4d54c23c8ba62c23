import type { InboundMessage } from '../core/inbound.ts';
import { claimById } from './claim-conversation.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { info } from './staff-conversation-commands.ts';
import { claimFailure, runStaffInput } from './staff-input.ts';

/**
 * A staff member writing in work chat (WeCom app, DingTalk robot …): recognised by their identity
 * on that channel, then handled like a desk line. Card buttons send `claim:<conversationId>`.
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
  if (message.kind === 'event') {
    const claim = /^claim:(.+)$/.exec(message.key ?? '');
    if (!claim) return;
    const result = await claimById(ctx, step, staffId, claim[1]!);
    if (result.ok) info(step, staffId, `已接单 #${result.conversation.code}。`, result.conversation.id);
    else info(step, staffId, claimFailure(result.reason).message, claim[1]);
    return;
  }
  if (message.kind !== 'text') {
    info(step, staffId, '暂不支持向服务对象转发图片或文件，请用文字回复。');
    return;
  }
  await runStaffInput(ctx, step, { staffId, text: message.text });
}
