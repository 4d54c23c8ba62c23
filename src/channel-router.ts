/**
 * One ChannelGateway made of the channels that are switched on: citizens are reached on the channel
 * they wrote from; staff notifications go to every staff-facing channel (the desk always, WeCom or
 * DingTalk where the person has an identity — each notifier decides for itself).
 */
import type { Channel } from './core/inbound.ts';
import { AppError } from './core/errors.ts';
import type { ChannelGateway } from './ports.ts';

export type CitizenSender = Pick<ChannelGateway, 'sendToCitizen'>;
export type StaffNotifier = Pick<ChannelGateway, 'notifyStaff'>;

export interface ChannelRouterOptions {
  citizens: Partial<Record<Channel, CitizenSender>>;
  staff: readonly StaffNotifier[];
  logger: { warn(obj: object, msg?: string): void };
}

export function createChannelRouter(options: ChannelRouterOptions): ChannelGateway {
  return {
    async sendToCitizen(to, message) {
      const sender = options.citizens[to.channel];
      if (!sender) {
        throw new AppError('not_found', `channel ${to.channel} is not switched on; cannot reach the citizen`);
      }
      await sender.sendToCitizen(to, message);
    },
    async notifyStaff(staffId, notification) {
      // One broken work-chat channel must not keep the desk (or the others) from hearing about it.
      const results = await Promise.allSettled(
        options.staff.map((n) => n.notifyStaff(staffId, notification)),
      );
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const failure of failures) {
        options.logger.warn(
          { err: failure.reason, staffId, type: notification.type },
          'staff notification failed on one channel',
        );
      }
      if (failures.length > 0 && failures.length === results.length) throw failures[0]!.reason;
    },
  };
}
