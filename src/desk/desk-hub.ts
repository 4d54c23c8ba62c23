import type { ChannelGateway, StaffNotification } from '../ports.ts';
import type { Database } from '../storage/database.ts';
import { createEventHub, type EventHub, type EventHubLogger } from './event-hub.ts';

/** What a desk stream carries: a notification, or "something changed, re-read" when it was too big to relay. */
export type DeskEvent = StaffNotification | { type: 'refresh' };

export type DeskHub = EventHub<DeskEvent>;

export const DESK_NOTIFY_CHANNEL = 'bangban_desk';

/** The desk's event bus, keyed by staff id. Call `start()` once at boot and `close()` before the server closes. */
export function createDeskHub(options: {
  database: Pick<Database, 'listen' | 'notify'>;
  logger: EventHubLogger;
  instanceId?: string;
}): DeskHub {
  return createEventHub<DeskEvent>({
    database: options.database,
    channel: DESK_NOTIFY_CHANNEL,
    logger: options.logger,
    instanceId: options.instanceId,
    oversized: () => ({ type: 'refresh' }),
  });
}

/**
 * `notifyStaff` for the web desk: pushes the notification to every desk tab the staff member has
 * open, on any instance. Staff without an open desk miss nothing durable: the desk re-reads the
 * queue when it connects. Compose it with the work-chat gateways in src/main.ts.
 */
export function createDeskGateway(options: { hub: DeskHub }): Pick<ChannelGateway, 'notifyStaff'> {
  return {
    async notifyStaff(staffId, notification) {
      await options.hub.publish(staffId, notification);
    },
  };
}
