import { SYSTEM, transition } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';

export const ABANDON_IDLE = 'flows.abandon.idle';

/**
 * (Re)arms the idle check of a conversation still with the bot: each citizen message pushes it back
 * by `sla.abandonAfterMinutes`, so it fires only after that long of silence.
 */
export async function scheduleIdleCheck(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
): Promise<void> {
  await step.tx.work.rescheduleTimer({
    key: `idle:${conversation.id}`,
    kind: ABANDON_IDLE,
    dueAt: new Date(step.at.getTime() + ctx.config.sla.abandonAfterMinutes * 60_000),
    payload: { conversationId: conversation.id },
  });
}

/**
 * The citizen went quiet while only the bot was involved: close the conversation as `abandoned`
 * so their next message starts afresh. Conversations with a human are closed by the human.
 */
export async function abandonIfIdle(ctx: FlowContext, step: Step, conversationId: string): Promise<void> {
  const conversation = await step.tx.conversations.lock(conversationId);
  if (!conversation || conversation.state !== 'bot') return;
  await transition(step, conversation, 'abandon', SYSTEM, {
    reason: 'citizen_silent',
    afterMinutes: ctx.config.sla.abandonAfterMinutes,
  });
}
