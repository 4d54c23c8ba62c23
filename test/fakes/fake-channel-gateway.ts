import type { ChannelGateway, CitizenAddress, OutboundMessage, StaffNotification } from '../../src/ports.ts';

export interface SentToCitizen {
  to: CitizenAddress;
  message: OutboundMessage;
}

export interface SentToStaff {
  staffId: string;
  notification: StaffNotification;
}

/** A ChannelGateway that records what it was asked to send, and can fail on command. */
export class FakeChannelGateway implements ChannelGateway {
  readonly citizen: SentToCitizen[] = [];
  readonly staff: SentToStaff[] = [];
  /** The next N sends throw (the flow must log and carry on). */
  failNext = 0;

  async sendToCitizen(to: CitizenAddress, message: OutboundMessage): Promise<void> {
    this.#maybeFail();
    this.citizen.push({ to, message });
  }

  async notifyStaff(staffId: string, notification: StaffNotification): Promise<void> {
    this.#maybeFail();
    this.staff.push({ staffId, notification });
  }

  /** Texts sent to one citizen, in order. */
  textsTo(citizenUserId: string): string[] {
    return this.citizen
      .filter((s) => s.to.citizenUserId === citizenUserId)
      .map((s) => (s.message.kind === 'text' ? s.message.text : `[${s.message.kind}]`));
  }

  /** Notifications of one type, as [staffId, notification] pairs. */
  notificationsOf<T extends StaffNotification['type']>(
    type: T,
  ): Array<{ staffId: string; notification: Extract<StaffNotification, { type: T }> }> {
    return this.staff
      .filter((s) => s.notification.type === type)
      .map((s) => ({
        staffId: s.staffId,
        notification: s.notification as Extract<StaffNotification, { type: T }>,
      }));
  }

  /** `info` texts told to one staff member. */
  infoTo(staffId: string): string[] {
    return this.staff
      .filter((s) => s.staffId === staffId && s.notification.type === 'info')
      .map((s) => (s.notification as { text: string }).text);
  }

  clear(): void {
    this.citizen.length = 0;
    this.staff.length = 0;
  }

  #maybeFail(): void {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('fake gateway: send failed on command');
    }
  }
}
