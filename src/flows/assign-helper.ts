import { AppError } from '../core/errors.ts';
import { pickHelper, type PickResult } from '../core/assignment.ts';
import { assignedText } from './citizen-texts.ts';
import { sayToCitizen, transition, type Actor } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import { isSlaRunning, startSlaCycle } from './sla-cycle.ts';

export type AssignedBy = 'rota' | 'claim' | 'transfer' | 'escalation';

/**
 * Picks a helper for the item (ARCHITECTURE.md §4): on duty now ∩ not on leave ∩ inside working
 * hours ∩ under capacity; primaries before backups (backups first when escalating); least open load,
 * ties to the longest since their last assignment. Holds the candidates' assignment locks until the
 * transaction ends, so concurrent decisions about them (other conversations, other processes) see
 * each other's results, while other items' helpers are assigned in parallel.
 */
export async function chooseHelper(
  ctx: FlowContext,
  step: Step,
  itemId: string,
  options: { exclude?: readonly string[]; backupsFirst?: boolean } = {},
): Promise<PickResult> {
  const duty = ctx.org.onDuty(itemId, step.at);
  const excluded = new Set(options.exclude ?? []);
  const eligible = (ids: readonly string[]): string[] => ids.filter((id) => !excluded.has(id));
  const tiers = (options.backupsFirst ? [duty.backup, duty.primary] : [duty.primary, duty.backup]).map(
    eligible,
  );
  const everyone = tiers.flat();
  if (everyone.length === 0) return { ok: false, reason: 'no_helper_on_duty' };
  await step.tx.work.lockAssignments(everyone);
  // In turn, not side by side: a transaction's statements share one connection.
  const counts = await step.tx.conversations.openCounts(everyone);
  const desks = await step.tx.staffState.getMany(everyone);
  for (const tier of tiers) {
    const free = tier
      .map((staffId) => ({
        staffId,
        openCount: counts.get(staffId) ?? 0,
        lastAssignedAt: desks.get(staffId)?.lastAssignedAt ?? null,
      }))
      // Capacity can differ per person (staff.capacity), so it is applied here rather than in pickHelper.
      .filter((candidate) => candidate.openCount < ctx.org.capacityOf(candidate.staffId, itemId));
    const pick = pickHelper(free, Number.POSITIVE_INFINITY);
    if (pick.ok) return pick;
  }
  return { ok: false, reason: 'all_at_capacity' };
}

/**
 * Gives the (row-locked) conversation to `staffId`: state, event, the helper's recency and current
 * conversation, a new SLA cycle when the clock needs one, and the `assigned` notification.
 */
export async function assignTo(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  by: AssignedBy,
  actor: Actor,
): Promise<ConversationRow> {
  const previous = conversation.assigneeId;
  const moved = await transition(
    step,
    conversation,
    'assign',
    actor,
    { assigneeId: staffId, previousAssigneeId: previous, by },
    { assigneeId: staffId, assignedAt: step.at },
  );
  // Callers check the state under the row lock first, so this is a bug, not an outcome.
  if (!moved.ok) {
    throw new AppError(
      'internal',
      `cannot assign conversation ${conversation.id} in state ${conversation.state}`,
    );
  }
  const assigned = moved.conversation;
  const becomesCurrent = by === 'claim' || (await isIdle(step, staffId, assigned.id));
  await step.tx.staffState.markAssigned(staffId, becomesCurrent ? assigned.id : null, step.at);
  if (previous && previous !== staffId) await releaseCurrent(step, previous, assigned.id);
  if (!assigned.firstHumanResponseAt) {
    const newHelperNeedsTime = by === 'escalation' || by === 'transfer';
    if (newHelperNeedsTime || !(await isSlaRunning(step, assigned.id))) {
      await startSlaCycle(ctx, step, assigned, step.at, ctx.config.sla.escalation.reassignAfterSeconds);
    }
  }
  if (by !== 'escalation') {
    const name = ctx.org.staff(staffId)?.name ?? staffId;
    await sayToCitizen(step, assigned, assignedText(name), { senderKind: 'system' });
  }
  step.fx.toStaff(staffId, {
    type: 'assigned',
    conversation: await summarizeOne(ctx, step.tx, assigned),
    by,
  });
  return assigned;
}

/** Whether `conversationId` should become the staff member's current one: they are not busy with another open one. */
async function isIdle(step: Step, staffId: string, conversationId: string): Promise<boolean> {
  const current = (await step.tx.staffState.getMany([staffId])).get(staffId)?.currentConversationId;
  if (current && current !== conversationId) {
    const row = await step.tx.conversations.get(current);
    if (row && row.assigneeId === staffId && (row.state === 'assigned' || row.state === 'active'))
      return false;
  }
  return true;
}

/** Clears the staff member's current conversation if it is `conversationId` (it left them). */
export async function releaseCurrent(step: Step, staffId: string, conversationId: string): Promise<void> {
  const current = (await step.tx.staffState.getMany([staffId])).get(staffId)?.currentConversationId;
  if (current === conversationId) await step.tx.staffState.setCurrent(staffId, null, step.at);
}
