import { pushTo12345, resolveConversation } from './close-conversation.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import { failure } from './staff-target.ts';
import type { StaffInputResult } from './types.ts';

/** /resolve and /12345 <reason>: close the conversation the staff member owns. */
export async function closingCommand(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  command: { kind: 'resolve' } | { kind: 'push_12345'; reason: string },
): Promise<StaffInputResult> {
  const closed =
    command.kind === 'resolve'
      ? await resolveConversation(ctx, step, conversation, staffId)
      : await pushTo12345(ctx, step, conversation, staffId, command.reason);
  if (!closed.ok)
    return failure(
      'transition_not_allowed',
      `会话 #${conversation.code} 当前状态（${conversation.state}）不能执行此操作。`,
    );
  const text =
    command.kind === 'resolve'
      ? `会话 #${conversation.code} 已结束，已请服务对象确认是否解决。`
      : `会话 #${conversation.code} 已转 12345 热线（原因：${command.reason}）。`;
  step.fx.toStaff(staffId, { type: 'info', text, conversationId: conversation.id });
  return { ok: true, action: command.kind, conversationId: conversation.id };
}
