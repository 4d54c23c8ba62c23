import { assignTo, chooseHelper } from './assign-helper.ts';
import { BEING_HELPED } from './citizen-texts.ts';
import { recordEvent, sayToCitizen, SYSTEM } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { loadForSlaTimer } from './remind-before-deadline.ts';
import { startSlaCycle, type SlaTimerPayload } from './sla-cycle.ts';

/**
 * The first-response limit passed without a human answer. Each breach is one escalation round, up
 * to escalation.maxReassignments: reassign to someone else on duty (backups first), which starts a
 * new cycle for them, or — nobody free — run one more cycle for whoever has it. The supervisors
 * hear of the first breach and of every round nobody could take over; the citizen is told once
 * that they are being helped.
 */
export async function escalateOnBreach(
  ctx: FlowContext,
  step: Step,
  payload: SlaTimerPayload,
  key: string,
): Promise<void> {
  const loaded = await loadForSlaTimer(step, payload, 'sla_breached', key);
  if (!loaded) return;
  const { conversation, flow } = loaded;
  const { escalation } = ctx.config.sla;
  const previous = conversation.assigneeId;
  const firstBreach = !(await step.tx.events.hasType(conversation.id, 'sla_breached'));
  const roundsLeft = flow.reassignments < escalation.maxReassignments;

  let newAssignee: string | null = null;
  if (conversation.itemId && roundsLeft) {
    const pick = await chooseHelper(ctx, step, conversation.itemId, {
      exclude: previous ? [previous] : [],
      backupsFirst: true,
    });
    if (pick.ok) newAssignee = pick.staffId;
  }
  await recordEvent(step, conversation.id, 'sla_breached', SYSTEM, {
    key,
    cycle: payload.cycle,
    previousAssigneeId: previous,
    newAssigneeId: newAssignee,
    finalRound: !roundsLeft,
  });

  let current = conversation;
  if (newAssignee) {
    current = await assignTo(ctx, step, conversation, newAssignee, 'escalation', SYSTEM);
    const name = ctx.org.staff(newAssignee)?.name ?? newAssignee;
    if (previous)
      step.fx.toStaff(previous, {
        type: 'info',
        text: `会话 #${conversation.code} 超时未回复，已转派给${name}。`,
        conversationId: conversation.id,
      });
  } else if (roundsLeft) {
    await startSlaCycle(ctx, step, conversation, step.at, escalation.reassignAfterSeconds);
  }
  if (roundsLeft)
    await step.tx.flowState.save(conversation.id, { reassignments: flow.reassignments + 1 }, step.at);

  if (escalation.notifySupervisor && (firstBreach || !newAssignee)) {
    const summary = await summarizeOne(ctx, step.tx, current);
    for (const supervisor of ctx.org.supervisorsOf(conversation.itemId)) {
      step.fx.toStaff(supervisor.id, { type: 'breach', conversation: summary, previousAssigneeId: previous });
    }
  }
  if (firstBreach) await sayToCitizen(step, current, BEING_HELPED, { senderKind: 'system' });
}
