/**
 * Optional rule (config hotline12345.autoPush, off by default): a conversation still queued
 * `afterMinutes` after its handoff while nobody is on duty for its item (outside every rota shift or
 * the item's hours) is pushed to 12345 by bangban itself. A durable timer checks every
 * `checkEverySeconds`; each check arms the next (keys by due time, so instances share one chain).
 */
import { pushConversation } from './close-conversation.ts';
import type { FiringTimerView, TimerRegistry } from './flow-deps.ts';
import { inTransaction, type FlowContext } from './flow-context.ts';
import { staffAutoPushedText } from './hotline-texts.ts';

export const HOTLINE_AUTO_PUSH = 'hotline12345.auto_push';
/** Conversations one check pushes at most (the next check takes the rest). */
const PUSHES_PER_CHECK = 50;

function slotKey(dueAt: Date): string {
  return `hotline12345:auto-push:${dueAt.getTime()}`;
}

/** The first check after `after`, on the `checkEverySeconds` grid (so every instance picks the same). */
function nextSlot(ctx: FlowContext, after: Date): Date {
  const everyMs = ctx.config.hotline12345.autoPush.checkEverySeconds * 1000;
  return new Date((Math.floor(after.getTime() / everyMs) + 1) * everyMs);
}

export async function armAutoPush(ctx: FlowContext): Promise<void> {
  if (!ctx.config.hotline12345.autoPush.enabled) return;
  await inTransaction(ctx, async (step) => {
    const dueAt = nextSlot(ctx, step.at);
    await step.tx.work.scheduleTimer({ key: slotKey(dueAt), kind: HOTLINE_AUTO_PUSH, dueAt, payload: {} });
  });
}

/** Resolves with how many conversations it pushed. */
export async function autoPushWaiting(ctx: FlowContext, now: Date): Promise<number> {
  const rule = ctx.config.hotline12345.autoPush;
  const before = new Date(now.getTime() - rule.afterMinutes * 60_000);
  const candidates = await ctx.store.hotline.queuedSince(before, PUSHES_PER_CHECK);
  let pushed = 0;
  for (const candidate of candidates) {
    const done = await inTransaction(ctx, async (step) => {
      const conversation = await step.tx.conversations.lock(candidate.id);
      if (!conversation || conversation.state !== 'queued') return false;
      if (!conversation.handoffAt || conversation.handoffAt.getTime() > before.getTime()) return false;
      const duty = ctx.org.onDuty(conversation.itemId ?? '', step.at);
      if (duty.primary.length + duty.backup.length > 0) return false;
      const result = await pushConversation(ctx, step, conversation, { staffId: null, reason: rule.reason });
      if (!result.ok) return false;
      const ticket = await step.tx.hotline.latestForConversation(conversation.id);
      const text = staffAutoPushedText(conversation.code, ticket?.ticketNo ?? '', rule.afterMinutes);
      for (const supervisor of ctx.org.supervisorsOf(conversation.itemId))
        step.fx.toStaff(supervisor.id, { type: 'info', text, conversationId: conversation.id });
      return true;
    });
    if (done) pushed += 1;
  }
  if (pushed > 0) ctx.logger.info({ pushed }, 'queued conversations auto-pushed to 12345');
  return pushed;
}

export function registerHotlineTimers(ctx: FlowContext, timers: TimerRegistry): void {
  timers.register(HOTLINE_AUTO_PUSH, async (timer: FiringTimerView) => {
    if (!ctx.config.hotline12345.autoPush.enabled) return;
    // Arm the next check first, so a failing check never breaks the chain.
    await inTransaction(ctx, async (step) => {
      const dueAt = nextSlot(ctx, new Date(Math.max(timer.dueAt.getTime(), step.at.getTime())));
      await step.tx.work.scheduleTimer({ key: slotKey(dueAt), kind: HOTLINE_AUTO_PUSH, dueAt, payload: {} });
    });
    await autoPushWaiting(ctx, ctx.clock.now());
  });
}
