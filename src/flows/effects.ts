import type { ChannelGateway, CitizenAddress, OutboundMessage, StaffNotification } from '../ports.ts';
import type { FlowLogger } from './flow-deps.ts';

type Effect =
  | { to: 'citizen'; address: CitizenAddress; message: OutboundMessage }
  | { to: 'staff'; staffId: string; notification: StaffNotification };

/**
 * Messages decided inside a transaction and sent only after it commits, so nobody is told about a
 * change that was rolled back. The transcript row is written in the transaction itself.
 */
export class Effects {
  readonly #pending: Effect[] = [];

  toCitizen(address: CitizenAddress, message: OutboundMessage): void {
    this.#pending.push({ to: 'citizen', address, message });
  }

  toStaff(staffId: string, notification: StaffNotification): void {
    this.#pending.push({ to: 'staff', staffId, notification });
  }

  /** Sends in order; a failed send is logged and does not stop the others (the change is committed). */
  async flush(gateway: ChannelGateway, logger: FlowLogger): Promise<void> {
    for (const effect of this.#pending.splice(0)) {
      try {
        if (effect.to === 'citizen') await gateway.sendToCitizen(effect.address, effect.message);
        else await gateway.notifyStaff(effect.staffId, effect.notification);
      } catch (error) {
        const target =
          effect.to === 'citizen'
            ? { conversationId: effect.address.conversationId }
            : { staffId: effect.staffId };
        logger.error(
          { ...target, err: error instanceof Error ? error.message : String(error) },
          'sending after commit failed',
        );
      }
    }
  }
}
