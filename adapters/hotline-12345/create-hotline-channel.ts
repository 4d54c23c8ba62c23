/**
 * The switched-on 12345 gateway (imported only when its variables are set): the HTTP client, the
 * outbox deliverer, the resume of tickets parked while it was off, and the callback router.
 */
import type { Hotline12345Config } from '../../src/config/hotline-config.ts';
import { HOTLINE_TICKET } from '../../src/flows/hotline-ticket.ts';
import type { HotlineFlows } from '../../src/flows/hotline-types.ts';
import type { PlatformOptions } from '../../src/platform.ts';
import { createHotlineRepository } from '../../src/storage/repositories/hotline-repository.ts';
import { createHotlineCallbackRouter } from './callback-router.ts';
import type { HotlineSettings } from './hotline-settings.ts';
import { createHttpTicketGateway, type TicketGateway } from './ticket-gateway.ts';
import { ticketDeliverer, type HotlineFlowsRef } from './ticket-deliverer.ts';

const RESUME_BATCH = 1000;

export interface HotlineChannel {
  gateway: TicketGateway;
  callbackRouter(hotline: HotlineFlows): ReturnType<typeof createHotlineCallbackRouter>;
}

export async function createHotlineChannel(
  options: PlatformOptions,
  settings: HotlineSettings,
  hotline: HotlineFlowsRef,
  gateway?: TicketGateway,
): Promise<HotlineChannel> {
  const config: Hotline12345Config = options.config.hotline12345 as Hotline12345Config;
  const client = gateway ?? createHttpTicketGateway({ settings, config, clock: options.clock });
  options.outbox.register(
    HOTLINE_TICKET,
    ticketDeliverer({ gateway: client, hotline, maxAttempts: config.maxAttempts }),
  );
  await resumeParked(options);
  return {
    gateway: client,
    callbackRouter: (flows) =>
      createHotlineCallbackRouter({ settings, config, clock: options.clock, hotline: flows }),
  };
}

/** Tickets parked while the gateway was off get a fresh outbox row each (one per parking). */
async function resumeParked(options: PlatformOptions): Promise<void> {
  const parked = await createHotlineRepository(options.database.db).parked(RESUME_BATCH);
  for (const ticket of parked) {
    await options.outbox.enqueue({
      kind: HOTLINE_TICKET,
      idempotencyKey: `hotline12345:resume:${ticket.ticketNo}:${ticket.parkEventId}`,
      payload: { ticketNo: ticket.ticketNo, conversationId: ticket.conversationId },
    });
  }
  if (parked.length > 0)
    options.logger.info(
      { tickets: parked.length },
      '12345 tickets kept while the gateway was off are queued for sending',
    );
}
