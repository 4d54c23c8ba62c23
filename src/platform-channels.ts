/**
 * The outside platforms bangban can serve (WeCom now; WeChat OA and DingTalk as they land). Each is
 * switched on by its environment variables and is off — saying so at start — without them.
 */
import type { Router } from '@koa/router';
import type { WecomChannelOptions } from '../adapters/wecom/create-wecom-channel.ts';
import { readWecomSettings } from '../adapters/wecom/wecom-settings.ts';
import type { CitizenSender, StaffNotifier } from './channel-router.ts';
import type { Config } from './config/index.ts';
import { AppError } from './core/errors.ts';
import type { Channel } from './core/inbound.ts';
import type { Flows } from './flows/types.ts';
import type { ChannelGateway } from './ports.ts';

export interface PlatformChannels {
  citizens: Partial<Record<Channel, CitizenSender>>;
  staff: StaffNotifier[];
  /** Once the flows exist: the callback routers to mount. */
  connect(deps: { flows: Flows; notifyStaff: ChannelGateway['notifyStaff'] }): Router[];
  /** One line per platform: on, or off and how to switch it on. */
  status: string[];
}

/**
 * Checks every platform's variables before anything is opened, so a half-configured platform stops
 * the start with the variable names (exit 2) rather than running without it.
 */
export function checkPlatformSettings(env: NodeJS.ProcessEnv, config: Config): void {
  const wecom = readWecomSettings(
    env,
    config.items.map((item) => item.id),
  );
  const errors = 'errors' in wecom ? wecom.errors : [];
  if (errors.length > 0) {
    throw new AppError('config_invalid', `invalid platform settings:\n  ${errors.join('\n  ')}`, {
      details: { errors },
    });
  }
}

/** A platform's code (and its HTTP client) is loaded only when the platform is switched on. */
export async function createPlatformChannels(options: WecomChannelOptions): Promise<PlatformChannels> {
  const settings = readWecomSettings(
    options.env,
    options.config.items.map((item) => item.id),
  );
  if (!settings.enabled) {
    const status = 'reason' in settings ? settings.reason : `WeCom is off: ${settings.errors.join('; ')}`;
    return { citizens: {}, staff: [], connect: () => [], status: [status] };
  }
  const { createWecomChannel } = await import('../adapters/wecom/create-wecom-channel.ts');
  const wecom = createWecomChannel(options);
  if (!wecom.enabled) {
    const status = 'reason' in wecom ? wecom.reason : `WeCom is off: ${wecom.errors.join('; ')}`;
    return { citizens: {}, staff: [], connect: () => [], status: [status] };
  }
  const { channel } = wecom;
  return {
    citizens: { wecom_kf: channel.citizenSender },
    staff: [channel.staffNotifier],
    connect: (deps) => [channel.connect(deps)],
    status: [`WeCom is on (corp ${channel.settings.corpId}, agent ${channel.settings.agentId})`],
  };
}
