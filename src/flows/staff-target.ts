import { isOpen } from '../core/conversation-state.ts';
import type { Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import type { StaffInputResult } from './types.ts';

export type StaffFailure = Extract<StaffInputResult, { ok: false }>;
export type Target = { ok: true; conversation: ConversationRow } | StaffFailure;

export function failure(reason: StaffFailure['reason'], message: string): StaffFailure {
  return { ok: false, reason, message };
}

/**
 * The conversation a command or plain reply is about, row-locked: the one named (desk button,
 * `#code`), else the staff member's current one, else their only open one.
 */
export async function lockTarget(
  step: Step,
  staffId: string,
  ref: { conversationId?: string; code?: string },
): Promise<Target> {
  if (ref.code !== undefined) {
    const found = await step.tx.conversations.findByCode(ref.code);
    if (!found) return failure('not_found', `没有编号为 #${ref.code} 的会话。`);
    return lockedOrMissing(step, found.id, `#${ref.code}`);
  }
  if (ref.conversationId !== undefined) return lockedOrMissing(step, ref.conversationId, ref.conversationId);

  const current = (await step.tx.staffState.getMany([staffId])).get(staffId)?.currentConversationId ?? null;
  if (current) {
    const row = await step.tx.conversations.lock(current);
    if (row && isOpen(row.state) && row.assigneeId === staffId) return { ok: true, conversation: row };
  }
  const mine = await step.tx.conversations.list({ states: ['assigned', 'active'], assigneeId: staffId });
  if (mine.length === 1) return lockedOrMissing(step, mine[0]!.id, mine[0]!.code);
  if (mine.length === 0)
    return failure('no_current_conversation', '您当前没有正在处理的会话。发送“接单”领取排队中的会话。');
  const codes = mine.map((row) => `#${row.code}`).join(' ');
  return failure(
    'no_current_conversation',
    `您有多个会话（${codes}），请用“#编号 内容”回复，或 /switch <编号> 切换。`,
  );
}

async function lockedOrMissing(step: Step, conversationId: string, label: string): Promise<Target> {
  const row = await step.tx.conversations.lock(conversationId);
  return row ? { ok: true, conversation: row } : failure('not_found', `没有会话 ${label}。`);
}

/** Only the assignee acts on an open conversation. */
export function checkOwner(conversation: ConversationRow, staffId: string): StaffFailure | null {
  if (!isOpen(conversation.state)) return failure('closed', `会话 #${conversation.code} 已结束。`);
  if (conversation.assigneeId !== staffId)
    return failure('not_owner', `会话 #${conversation.code} 不是您负责的，不能操作。`);
  return null;
}
