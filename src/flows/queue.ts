import { QUEUED } from './citizen-texts.ts';
import { assignTo, chooseHelper } from './assign-helper.ts';
import { sayToCitizen, SYSTEM, transition, type Actor } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import { QUEUE_RETRY } from './sla-cycle.ts';

/** While queued with nobody on duty (a rota gap), look again this often. */
const QUEUE_RETRY_SECONDS = 60;
/** Upper bound of assignments one drain makes per item (capacity frees one or two at a time). */
const MAX_DRAIN_PER_ITEM = 20;

/**
 * No helper is free: the conversation waits (oldest first) and the item's on-duty helpers are
 * told it can be claimed. A retry timer covers the case where nobody frees capacity (closed hours,
 * a gap in the rota): it fires at the next opening, or in a minute.
 */
export async function queueConversation(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  actor: Actor,
  reason: string,
  options: { tellCitizen?: boolean } = {},
): Promise<ConversationRow> {
  const queued = await transition(step, conversation, 'queue', actor, { reason });
  if (!queued.ok) return conversation;
  if (options.tellCitizen !== false)
    await sayToCitizen(step, queued.conversation, QUEUED, { senderKind: 'system' });
  const summary = await summarizeOne(ctx, step.tx, queued.conversation);
  const duty = ctx.org.onDuty(conversation.itemId ?? '', step.at);
  for (const staffId of [...duty.primary, ...duty.backup])
    step.fx.toStaff(staffId, { type: 'new_conversation', conversation: summary, claimable: true });
  await scheduleQueueRetry(ctx, step, queued.conversation);
  return queued.conversation;
}

export async function scheduleQueueRetry(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
): Promise<void> {
  const soon = new Date(step.at.getTime() + QUEUE_RETRY_SECONDS * 1000);
  const opening = ctx.calendar.nextOpening(step.at, ctx.org.hoursOf(conversation.itemId));
  const dueAt = opening.getTime() > step.at.getTime() ? opening : soon;
  await step.tx.work.rescheduleTimer({
    key: `queue:${conversation.id}`,
    kind: QUEUE_RETRY,
    dueAt,
    payload: { conversationId: conversation.id },
  });
}

/** Everyone a drain of these items may assign to (its assignment locks, taken in one call). */
export function drainLockSet(
  ctx: FlowContext,
  step: Step,
  itemIds: readonly string[] = ctx.org.items.map((item) => item.id),
): string[] {
  return itemIds.flatMap((itemId) => {
    const duty = ctx.org.onDuty(itemId, step.at);
    return [...duty.primary, ...duty.backup];
  });
}

/**
 * Serves waiting conversations, oldest first per item, while helpers have capacity. All the
 * assignment locks are taken first, in one call; queued rows are then taken with SKIP LOCKED, so a
 * drain never waits for a row while holding assignment locks.
 */
export async function drainQueue(
  ctx: FlowContext,
  step: Step,
  itemIds: readonly string[] = ctx.org.items.map((item) => item.id),
): Promise<number> {
  await step.tx.work.lockAssignments(drainLockSet(ctx, step, itemIds));
  let served = 0;
  for (const itemId of itemIds) {
    for (let round = 0; round < MAX_DRAIN_PER_ITEM; round += 1) {
      const waiting = await step.tx.conversations.lockOldestQueued(itemId);
      if (!waiting) break;
      const pick = await chooseHelper(ctx, step, itemId);
      if (!pick.ok) break;
      await assignTo(ctx, step, waiting, pick.staffId, 'rota', SYSTEM);
      served += 1;
    }
  }
  return served;
}

/** The queue retry timer: assign if someone is free now, else look again later (the rearmed key replaces itself). */
export async function retryQueued(ctx: FlowContext, step: Step, conversationId: string): Promise<void> {
  const conversation = await step.tx.conversations.lock(conversationId);
  if (!conversation || conversation.state !== 'queued' || !conversation.itemId) return;
  const pick = await chooseHelper(ctx, step, conversation.itemId);
  if (pick.ok) {
    await assignTo(ctx, step, conversation, pick.staffId, 'rota', SYSTEM);
    return;
  }
  await scheduleQueueRetry(ctx, step, conversation);
}
