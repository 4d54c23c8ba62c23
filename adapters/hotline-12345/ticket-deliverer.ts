/**
 * Outbox deliverers for `hotline12345.ticket`. On: send through the gateway, record the outcome,
 * and after `maxAttempts` (or an error retrying cannot fix) mark the ticket failed and alert —
 * the outbox's backoff with jitter spaces the attempts. Off: park the ticket (it stays pending and
 * is re-queued when the gateway is switched on).
 */
import type { HotlineFlows } from '../../src/flows/hotline-types.ts';
import { DeliveryError, isRetryable, type Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { TicketGateway } from './ticket-gateway.ts';

export interface TicketPayload {
  ticketNo?: string;
  conversationId?: string;
  reason?: string;
  staffId?: string | null;
}

/** Flows arrive after the outbox deliverer is registered (Platform.connect); deliveries start later. */
export type HotlineFlowsRef = () => HotlineFlows;

export function ticketDeliverer(deps: {
  gateway: TicketGateway;
  hotline: HotlineFlowsRef;
  maxAttempts: number;
}): Deliverer<TicketPayload> {
  return async (payload, context) => {
    const flows = deps.hotline();
    const found = await flows.ticketForDelivery(payload);
    if (!found.send) {
      if (found.reason === 'unknown_ticket')
        throw new DeliveryError(`no 12345 ticket for outbox row ${context.idempotencyKey}`, {
          retryable: false,
        });
      return; // already with 12345 (a callback came first, or a resumed copy)
    }
    const { ticket } = found;
    let result: { hotlineNo: string | null };
    try {
      result = await deps.gateway.createTicket(ticket.document);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isRetryable(error) && context.attempt < deps.maxAttempts) {
        await flows.recordAttemptFailed(ticket.ticketNo, { attempt: context.attempt, error: message });
        throw error;
      }
      await flows.recordFailed(ticket.ticketNo, { attempts: context.attempt, error: message });
      throw new DeliveryError(message, { retryable: false, cause: error });
    }
    await flows.recordSent(ticket.ticketNo, { hotlineNo: result.hotlineNo, attempt: context.attempt });
  };
}

export function parkingDeliverer(hotline: HotlineFlowsRef): Deliverer<TicketPayload> {
  return async (payload) => {
    const flows = hotline();
    const found = await flows.ticketForDelivery(payload);
    if (found.send) await flows.park(found.ticket.ticketNo);
  };
}
