import { recordEvent, staffActor } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { relayStaffMessage } from './relay-staff-message.ts';
import type { ConversationRow } from './repositories.ts';
import { failure } from './staff-target.ts';
import type { StaffInputResult } from './types.ts';

/** Commands on one conversation the staff member owns (already locked and checked by the caller). */

export function info(step: Step, staffId: string, text: string, conversationId?: string): void {
  step.fx.toStaff(staffId, conversationId ? { type: 'info', text, conversationId } : { type: 'info', text });
}

export async function reply(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  text: string,
): Promise<StaffInputResult> {
  await relayStaffMessage(ctx, step, conversation, staffId, text);
  await step.tx.staffState.setCurrent(staffId, conversation.id, step.at);
  return { ok: true, action: 'reply', conversationId: conversation.id };
}

export async function switchTo(
  step: Step,
  conversation: ConversationRow,
  staffId: string,
): Promise<StaffInputResult> {
  await step.tx.staffState.setCurrent(staffId, conversation.id, step.at);
  info(step, staffId, `已切换到会话 #${conversation.code}，直接输入内容即可回复。`, conversation.id);
  return { ok: true, action: 'switch', conversationId: conversation.id };
}

export async function note(
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  text: string,
): Promise<StaffInputResult> {
  await recordEvent(step, conversation.id, 'note', staffActor(staffId), { text });
  info(step, staffId, `已为会话 #${conversation.code} 记录备注（不发送给服务对象）。`, conversation.id);
  return { ok: true, action: 'note', conversationId: conversation.id };
}

/** /kb: the helper sends a KB answer to the citizen; it counts as their reply. */
export async function sendKbAnswer(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  words: string,
): Promise<StaffInputResult> {
  const decision = await ctx.kb.answer(words, {
    ...(conversation.itemId ? { item: conversation.itemId } : {}),
    channel: conversation.channel,
  });
  if (decision.decision === 'handoff') {
    return failure(
      'not_found',
      `知识库中没有找到“${words}”的可靠答案（${decision.reason}），请直接回复服务对象。`,
    );
  }
  await relayStaffMessage(ctx, step, conversation, staffId, decision.entry.answer?.trim() || decision.text);
  await recordEvent(step, conversation.id, 'kb_sent', staffActor(staffId), {
    entryId: decision.entry.id,
    words,
  });
  info(
    step,
    staffId,
    `已将知识库答案（${decision.entry.id}）发送给会话 #${conversation.code}。`,
    conversation.id,
  );
  return { ok: true, action: 'kb', conversationId: conversation.id };
}
