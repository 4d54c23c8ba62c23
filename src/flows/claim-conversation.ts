import { isOpen } from '../core/conversation-state.ts';
import { assignTo } from './assign-helper.ts';
import { staffActor } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import type { ClaimResult } from './types.ts';

/**
 * 接单: a helper on duty for the item takes a queued conversation. The row lock makes it atomic:
 * of two helpers (or processes) claiming at once, the second sees it assigned and gets
 * `already_claimed`. Claiming one's own conversation again is a no-op success.
 */
export async function claimLocked(
  ctx: FlowContext,
  step: Step,
  staffId: string,
  conversation: ConversationRow | null,
): Promise<ClaimResult> {
  if (!conversation) return { ok: false, reason: 'not_found' };
  if (!isOpen(conversation.state)) return { ok: false, reason: 'closed' };
  if (conversation.assigneeId === staffId) {
    await step.tx.staffState.setCurrent(staffId, conversation.id, step.at);
    return { ok: true, conversation: await summarizeOne(ctx, step.tx, conversation) };
  }
  if (conversation.state === 'assigned' || conversation.state === 'active')
    return { ok: false, reason: 'already_claimed' };
  if (conversation.state !== 'queued' || !conversation.itemId) return { ok: false, reason: 'not_waiting' };
  if (!ctx.org.isOnDuty(staffId, conversation.itemId, step.at)) return { ok: false, reason: 'not_on_duty' };
  await step.tx.work.lockAssignments([staffId]);
  const open = (await step.tx.conversations.openCounts([staffId])).get(staffId) ?? 0;
  if (open >= ctx.org.capacityOf(staffId, conversation.itemId)) return { ok: false, reason: 'at_capacity' };

  const claimed = await assignTo(ctx, step, conversation, staffId, 'claim', staffActor(staffId));
  const summary = await summarizeOne(ctx, step.tx, claimed);
  const duty = ctx.org.onDuty(conversation.itemId, step.at);
  const byName = ctx.org.staff(staffId)?.name ?? staffId;
  for (const other of [...duty.primary, ...duty.backup]) {
    if (other !== staffId)
      step.fx.toStaff(other, { type: 'claimed', conversation: summary, byStaffId: staffId, byName });
  }
  return { ok: true, conversation: summary };
}

export async function claimById(
  ctx: FlowContext,
  step: Step,
  staffId: string,
  conversationId: string,
): Promise<ClaimResult> {
  return claimLocked(ctx, step, staffId, await step.tx.conversations.lock(conversationId));
}

/** 接单 without a code: the longest-waiting queued conversation of the items the helper is on duty for. */
export async function claimNext(ctx: FlowContext, step: Step, staffId: string): Promise<ClaimResult | null> {
  const items = ctx.org.itemsOnDuty(staffId, step.at);
  const waiting = await step.tx.conversations.list({ states: ['queued'], itemIds: items });
  for (const candidate of waiting) {
    const locked = await step.tx.conversations.lock(candidate.id);
    if (locked?.state === 'queued') return claimLocked(ctx, step, staffId, locked);
  }
  return null;
}
