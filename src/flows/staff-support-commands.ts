import { assignTo } from './assign-helper.ts';
import { recordEvent, staffActor } from './conversation-ops.ts';
import { summarize, summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { drainLockSet, drainQueue } from './queue.ts';
import type { ConversationRow } from './repositories.ts';
import { info } from './staff-conversation-commands.ts';
import { failure } from './staff-target.ts';
import type { StaffInputResult } from './types.ts';
import type { ConversationSummary } from '../ports.ts';

/** /transfer <staff id or name>: hand the conversation to a colleague on duty for its item. */
export async function transfer(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  target: string,
): Promise<StaffInputResult> {
  const person = ctx.org.findStaff(target);
  if (!person) return failure('unknown_staff', `没有工号或姓名为“${target}”的工作人员（重名时请用工号）。`);
  if (person.id === staffId) return failure('usage', '不能转派给自己。');
  const itemName = ctx.org.item(conversation.itemId)?.name ?? '该事项';
  if (!conversation.itemId || !ctx.org.isOnDuty(person.id, conversation.itemId, step.at)) {
    return failure('staff_off_duty', `${person.name}当前不在${itemName}的值班中，无法转派。`);
  }
  // The transfer and the queue drain after it take all their locks at once (see lockAssignments).
  await step.tx.work.lockAssignments([person.id, ...drainLockSet(ctx, step)]);
  await assignTo(ctx, step, conversation, person.id, 'transfer', staffActor(staffId));
  // The previous helper has one conversation fewer: someone waiting may fit now.
  await drainQueue(ctx, step);
  info(step, staffId, `会话 #${conversation.code} 已转派给${person.name}。`, conversation.id);
  return { ok: true, action: 'transfer', conversationId: conversation.id };
}

/** /consult (back-office experts of the item's department) and /tech (technical support). */
export async function askForSupport(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  kind: 'expert' | 'tech',
  text: string,
): Promise<StaffInputResult> {
  const department = ctx.org.item(conversation.itemId)?.department;
  let recipients = kind === 'expert' ? ctx.org.withRole('expert', department) : ctx.org.withRole('tech');
  if (recipients.length === 0 && kind === 'expert') recipients = ctx.org.withRole('expert');
  recipients = recipients.filter((person) => person.id !== staffId);
  const label = kind === 'expert' ? '后台专家' : '技术人员';
  if (recipients.length === 0) return failure('not_found', `没有可联系的${label}。`);

  await recordEvent(step, conversation.id, 'support_requested', staffActor(staffId), {
    kind,
    to: recipients.map((p) => p.id),
    text,
  });
  const summary = await summarizeOne(ctx, step.tx, conversation);
  const fromName = ctx.org.staff(staffId)?.name ?? staffId;
  for (const person of recipients) {
    step.fx.toStaff(person.id, {
      type: 'consult',
      kind,
      conversation: summary,
      fromStaffId: staffId,
      fromName,
      text,
    });
  }
  info(step, staffId, `已通知${label}：${recipients.map((p) => p.name).join('、')}。`, conversation.id);
  return { ok: true, action: kind === 'expert' ? 'consult' : 'tech', conversationId: conversation.id };
}

/** /list: the staff member's conversations (current one marked) and what waits to be claimed. */
export async function listFor(ctx: FlowContext, step: Step, staffId: string): Promise<StaffInputResult> {
  // In turn: a transaction's statements share one connection.
  const mineRows = await step.tx.conversations.list({ states: ['assigned', 'active'], assigneeId: staffId });
  const waitingRows = await step.tx.conversations.list({
    states: ['queued'],
    itemIds: ctx.org.itemsOnDuty(staffId, step.at),
  });
  const desks = await step.tx.staffState.getMany([staffId]);
  const current = desks.get(staffId)?.currentConversationId ?? null;
  const mine = await summarize(ctx, step.tx, mineRows);
  const waiting = await summarize(ctx, step.tx, waitingRows);
  const line = (c: ConversationSummary): string =>
    `${c.id === current ? '▶' : ' '} #${c.code} ${c.itemName ?? '未选事项'} ${c.state === 'active' ? '处理中' : c.state === 'queued' ? '排队' : '待回复'} ${c.preview}`;
  const text = [
    mine.length > 0 ? `我的会话（${mine.length}）：\n${mine.map(line).join('\n')}` : '我的会话：无',
    waiting.length > 0 ? `待接单（${waiting.length}）：\n${waiting.map(line).join('\n')}` : '待接单：无',
    '命令：接单 [编号]、#编号 内容、/switch、/resolve、/12345 原因、/transfer 工号、/consult、/tech、/kb 关键词、/note 内容',
  ].join('\n');
  info(step, staffId, text);
  return { ok: true, action: 'list' };
}
