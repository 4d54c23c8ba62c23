import type {
  ChannelGateway,
  CitizenAddress,
  KbGapRecorder,
  OutboundMessage,
  StaffNotification,
} from '../ports.ts';
import type { FlowLogger } from './flow-deps.ts';

type Effect =
  | { to: 'citizen'; address: CitizenAddress; message: OutboundMessage }
  | { to: 'staff'; staffId: string; notification: StaffNotification }
  | { to: 'kb_gaps'; gap: Parameters<KbGapRecorder['recordGap']>[0] };

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

  /** A question the bot could not answer, for the KB gap backlog. */
  toGapBacklog(gap: Parameters<KbGapRecorder['recordGap']>[0]): void {
    this.#pending.push({ to: 'kb_gaps', gap });
  }

  /**
   * Sends everything queued; a failed send is logged and does not stop the others (the change is
   * committed). Each recipient (a citizen's conversation, a staff member, the gap
   * backlog) gets theirs in the order they were decided; different recipients are served side by
   * side, so a batch of reminders does not wait for each send in turn.
   */
  async flush(gateway: ChannelGateway, logger: FlowLogger, gaps: KbGapRecorder | null = null): Promise<void> {
    const lanes = new Map<string, Effect[]>();
    for (const effect of this.#pending.splice(0)) {
      const lane =
        effect.to === 'citizen'
          ? `c:${effect.address.conversationId}`
          : effect.to === 'staff'
            ? `s:${effect.staffId}`
            : 'gaps';
      const queue = lanes.get(lane);
      if (queue) queue.push(effect);
      else lanes.set(lane, [effect]);
    }
    await Promise.all(
      [...lanes.values()].map(async (queue) => {
        for (const effect of queue) await this.#send(effect, gateway, logger, gaps);
      }),
    );
  }

  async #send(
    effect: Effect,
    gateway: ChannelGateway,
    logger: FlowLogger,
    gaps: KbGapRecorder | null,
  ): Promise<void> {
    try {
      if (effect.to === 'citizen') await gateway.sendToCitizen(effect.address, effect.message);
      else if (effect.to === 'staff') await gateway.notifyStaff(effect.staffId, effect.notification);
      else await gaps?.recordGap(effect.gap);
    } catch (error) {
      const target =
        effect.to === 'citizen'
          ? { conversationId: effect.address.conversationId }
          : effect.to === 'staff'
            ? { staffId: effect.staffId }
            : { conversationId: effect.gap.conversationId, gap: effect.gap.reason };
      logger.error(
        { ...target, err: error instanceof Error ? error.message : String(error) },
        'sending after commit failed',
      );
    }
  }
}
