/**
 * What happens to a 12345 ticket after the push: delivered (or parked, or given up), then the
 * status callbacks. Each runs in one transaction under the ticket's row lock.
 */
import { recordEvent, sayToCitizen, SYSTEM, transition } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { decideCallback, isDelivered } from './hotline-lifecycle.ts';
import { createTicket, nextTicketNo } from './hotline-ticket.ts';
import {
  citizenClosedText,
  citizenReturnedText,
  citizenTicketNumberText,
  staffFailedText,
  staffParkedText,
  staffReturnedButOpenText,
  staffReturnedToYouText,
  staffStatusText,
} from './hotline-texts.ts';
import type {
  DeliveryTicket,
  HotlineTicketPatch,
  HotlineTicketRow,
  HotlineTicketStatus,
  StatusUpdate,
  StatusUpdateResult,
} from './hotline-types.ts';
import { drainQueue, scheduleQueueRetry } from './queue.ts';
import type { ConversationRow } from './repositories.ts';

export async function ticketForDelivery(
  ctx: FlowContext,
  step: Step,
  payload: { ticketNo?: string; conversationId?: string; reason?: string; staffId?: string | null },
): Promise<DeliveryTicket> {
  let ticket = payload.ticketNo ? await step.tx.hotline.get(payload.ticketNo) : null;
  if (!ticket && !payload.ticketNo && payload.conversationId) {
    // An outbox row written before tickets were stored: build the ticket now from the conversation.
    ticket = await step.tx.hotline.latestForConversation(payload.conversationId);
    const conversation = ticket ? null : await step.tx.conversations.lock(payload.conversationId);
    if (conversation) {
      const push = { staffId: payload.staffId ?? null, reason: payload.reason ?? '转 12345 热线' };
      const numbered = await nextTicketNo(ctx, step, conversation);
      ticket = await createTicket(ctx, step, conversation, push, numbered, { enqueue: false });
    }
  }
  if (!ticket) return { send: false, reason: 'unknown_ticket' };
  if (isDelivered(ticket.status)) return { send: false, reason: 'already_sent', ticket };
  return { send: true, ticket };
}

/** 12345 answered the create request. A callback may already have moved the ticket further. */
export async function recordSent(
  ctx: FlowContext,
  step: Step,
  ticketNo: string,
  result: { hotlineNo: string | null; attempt: number },
): Promise<void> {
  const ticket = await step.tx.hotline.lock(ticketNo);
  if (!ticket) return;
  const hotlineNo = ticket.hotlineNo ?? result.hotlineNo;
  const moves = ticket.status === 'pending' || ticket.status === 'failed';
  const patch: HotlineTicketPatch = { hotlineNo, lastError: null, sentAt: ticket.sentAt ?? step.at };
  if (moves) patch.status = 'sent';
  await step.tx.hotline.update(ticketNo, patch, step.at);
  await step.tx.hotline.appendEvent({
    ticketNo,
    type: 'sent',
    fromStatus: ticket.status,
    toStatus: moves ? 'sent' : ticket.status,
    data: { attempt: result.attempt, hotlineNo: result.hotlineNo },
    dedupeKey: null,
    at: step.at,
  });
  const updated = { ...ticket, ...patch };
  const conversation = await step.tx.conversations.get(ticket.conversationId);
  if (!conversation) return;
  if (moves) tellStaff(ctx, step, updated, conversation, 'sent');
  await tellNumberOnce(step, updated, conversation);
}

export async function recordAttemptFailed(
  step: Step,
  ticketNo: string,
  failure: { attempt: number; error: string; retryAt?: Date },
): Promise<void> {
  const ticket = await step.tx.hotline.lock(ticketNo);
  if (!ticket || isDelivered(ticket.status)) return;
  await step.tx.hotline.update(ticketNo, { lastError: failure.error.slice(0, 2000) }, step.at);
  await step.tx.hotline.appendEvent({
    ticketNo,
    type: 'delivery_failed',
    fromStatus: ticket.status,
    toStatus: ticket.status,
    data: {
      attempt: failure.attempt,
      error: failure.error.slice(0, 500),
      ...(failure.retryAt ? { retryAt: failure.retryAt.toISOString() } : {}),
    },
    dedupeKey: null,
    at: step.at,
  });
}

/** Dead letter: the ticket is `failed`; the helper and the item's supervisors are alerted. */
export async function recordFailed(
  ctx: FlowContext,
  step: Step,
  ticketNo: string,
  failure: { attempts: number; error: string },
): Promise<void> {
  const ticket = await step.tx.hotline.lock(ticketNo);
  if (!ticket || isDelivered(ticket.status) || ticket.status === 'failed') return;
  const error = failure.error.slice(0, 2000);
  await step.tx.hotline.update(ticketNo, { status: 'failed', lastError: error }, step.at);
  await step.tx.hotline.appendEvent({
    ticketNo,
    type: 'failed',
    fromStatus: ticket.status,
    toStatus: 'failed',
    data: { attempts: failure.attempts, error: error.slice(0, 500) },
    dedupeKey: null,
    at: step.at,
  });
  const conversation = await step.tx.conversations.get(ticket.conversationId);
  if (!conversation) return;
  const text = staffFailedText(conversation.code, ticketNo, failure.attempts, error.slice(0, 200));
  for (const staffId of concerned(ctx, ticket))
    step.fx.toStaff(staffId, { type: 'info', text, conversationId: conversation.id });
  ctx.logger.error(
    { ticketNo, conversationId: conversation.id, attempts: failure.attempts, err: error },
    '12345 ticket could not be delivered; supervisors alerted',
  );
}

/** The gateway is off: the ticket stays pending (resumed when it is switched on). */
export async function park(ctx: FlowContext, step: Step, ticketNo: string): Promise<void> {
  const ticket = await step.tx.hotline.lock(ticketNo);
  if (!ticket || ticket.status !== 'pending') return;
  await step.tx.hotline.appendEvent({
    ticketNo,
    type: 'parked',
    fromStatus: 'pending',
    toStatus: 'pending',
    data: { why: 'gateway_off' },
    dedupeKey: null,
    at: step.at,
  });
  const conversation = await step.tx.conversations.get(ticket.conversationId);
  if (!conversation) return;
  const text = staffParkedText(conversation.code, ticketNo);
  const told = ticket.staffId ? [ticket.staffId] : concerned(ctx, ticket);
  for (const staffId of told)
    step.fx.toStaff(staffId, { type: 'info', text, conversationId: conversation.id });
}

/** A verified status callback: moves the ticket forward, or says why it did not. */
export async function applyStatus(
  ctx: FlowContext,
  step: Step,
  update: StatusUpdate,
): Promise<StatusUpdateResult> {
  const ticket = await step.tx.hotline.lock(update.agencyTicketNo);
  if (!ticket) return { ok: false, reason: 'unknown_ticket' };
  if (await step.tx.hotline.hasDedupeKey(update.dedupeKey)) return { ok: true, result: 'duplicate' };
  const decision = decideCallback(ticket.status, update.status);
  if (!decision.apply) {
    if (decision.why === 'same') return { ok: true, result: 'duplicate' };
    ctx.logger.warn(
      {
        ticketNo: ticket.ticketNo,
        current: ticket.status,
        reported: update.status,
        eventKey: update.dedupeKey,
      },
      '12345 status callback out of order; ignored',
    );
    return { ok: true, result: 'ignored', reason: 'out_of_order', current: ticket.status };
  }
  const to: HotlineTicketStatus = update.status;
  const patch: HotlineTicketPatch = {
    status: to,
    hotlineNo: update.hotlineNo ?? ticket.hotlineNo,
    sentAt: ticket.sentAt ?? step.at,
    acceptedAt: ticket.acceptedAt ?? step.at,
  };
  if (to === 'closed' || to === 'returned') patch.closedAt = step.at;
  if (to === 'returned') patch.returnReason = update.reason ?? null;
  await step.tx.hotline.update(ticket.ticketNo, patch, step.at);
  await step.tx.hotline.appendEvent({
    ticketNo: ticket.ticketNo,
    type: 'status',
    fromStatus: ticket.status,
    toStatus: to,
    data: {
      hotlineNo: update.hotlineNo ?? null,
      reason: update.reason ?? null,
      handlerOrg: update.handlerOrg ?? null,
      reply: update.reply ?? null,
      occurredAt: update.occurredAt ?? null,
    },
    dedupeKey: update.dedupeKey,
    at: step.at,
  });
  const updated: HotlineTicketRow = { ...ticket, ...patch };
  const conversation = await step.tx.conversations.lock(ticket.conversationId);
  if (conversation) {
    await recordEvent(step, conversation.id, 'hotline_status', SYSTEM, {
      ticketNo: ticket.ticketNo,
      from: ticket.status,
      to,
      hotlineNo: updated.hotlineNo,
    });
    tellStaff(ctx, step, updated, conversation, to, update.reason ?? null);
    if (to === 'returned') await returnConversation(ctx, step, updated, conversation);
    else {
      await tellNumberOnce(step, updated, conversation);
      if (to === 'closed')
        await sayToCitizen(step, conversation, citizenClosedText(updated.hotlineNo), {
          senderKind: 'system',
        });
    }
  }
  return { ok: true, result: 'applied', from: ticket.status, to };
}

/**
 * 退单: the conversation goes back to the helper who pushed it (a new transition with its event),
 * or to the queue when bangban pushed it or that helper is gone. If the citizen has meanwhile
 * opened a new conversation, that one is where the follow-up happens.
 */
async function returnConversation(
  ctx: FlowContext,
  step: Step,
  ticket: HotlineTicketRow,
  conversation: ConversationRow,
): Promise<void> {
  if (conversation.state !== 'pushed_12345') return;
  const latest = await step.tx.hotline.latestForConversation(conversation.id);
  if (latest?.ticketNo !== ticket.ticketNo) return;
  const open = await step.tx.conversations.lockOpenForCitizen(
    conversation.channel,
    conversation.citizenUserId,
  );
  const helper = ticket.staffId && ctx.org.staff(ticket.staffId) ? ticket.staffId : null;
  if (open) {
    const text = staffReturnedButOpenText(conversation.code, ticket.ticketNo, open.code);
    for (const staffId of helper ? [helper] : concerned(ctx, ticket))
      step.fx.toStaff(staffId, { type: 'info', text, conversationId: open.id });
    return;
  }
  const data = { ticketNo: ticket.ticketNo, reason: ticket.returnReason };
  if (helper) {
    const back = await transition(step, conversation, 'return_from_12345', SYSTEM, data, {
      assigneeId: helper,
      assignedAt: step.at,
      closedAt: null,
    });
    if (!back.ok) return;
    await step.tx.staffState.setCurrent(helper, conversation.id, step.at);
    step.fx.toStaff(helper, {
      type: 'info',
      text: staffReturnedToYouText(conversation.code, ticket.ticketNo, ticket.returnReason),
      conversationId: conversation.id,
    });
    await sayToCitizen(step, back.conversation, citizenReturnedText(ctx.org.staff(helper)?.name ?? null), {
      senderKind: 'system',
    });
    return;
  }
  const queued = await transition(step, conversation, 'return_to_queue', SYSTEM, data, {
    assigneeId: null,
    closedAt: null,
  });
  if (!queued.ok) return;
  await sayToCitizen(step, queued.conversation, citizenReturnedText(null), { senderKind: 'system' });
  await scheduleQueueRetry(ctx, step, queued.conversation);
  if (conversation.itemId) await drainQueue(ctx, step, [conversation.itemId]);
}

/** The citizen hears the 12345 number once, as soon as it is known. */
async function tellNumberOnce(
  step: Step,
  ticket: HotlineTicketRow,
  conversation: ConversationRow,
): Promise<void> {
  if (!ticket.hotlineNo || ticket.citizenToldAt) return;
  await step.tx.hotline.update(ticket.ticketNo, { citizenToldAt: step.at }, step.at);
  await sayToCitizen(step, conversation, citizenTicketNumberText(ticket.hotlineNo), { senderKind: 'system' });
}

/** The helper who pushed it and the supervisors of its item (ARCHITECTURE.md §1). */
function concerned(ctx: FlowContext, ticket: HotlineTicketRow): string[] {
  const ids = new Set<string>();
  if (ticket.staffId) ids.add(ticket.staffId);
  for (const supervisor of ctx.org.supervisorsOf(ticket.itemId)) ids.add(supervisor.id);
  return [...ids];
}

function tellStaff(
  ctx: FlowContext,
  step: Step,
  ticket: HotlineTicketRow,
  conversation: ConversationRow,
  status: HotlineTicketStatus,
  reason: string | null = null,
): void {
  const text = staffStatusText({
    ticketNo: ticket.ticketNo,
    code: conversation.code,
    itemName: ctx.org.item(ticket.itemId)?.name ?? null,
    status,
    hotlineNo: ticket.hotlineNo,
    reason,
  });
  for (const staffId of concerned(ctx, ticket))
    step.fx.toStaff(staffId, { type: 'info', text, conversationId: conversation.id });
}
