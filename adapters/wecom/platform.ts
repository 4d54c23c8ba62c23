/**
 * WeCom as one entry of the platform list (src/platform-channels.ts): the settings check runs
 * before anything opens; the adapter itself is imported only when the variables are set.
 */
import path from 'node:path';
import type { Platform } from '../../src/platform.ts';
import { readWecomSettings } from './wecom-settings.ts';

const itemIds = (config: { items: readonly { id: string }[] }) => config.items.map((item) => item.id);

export const wecomPlatform: Platform = {
  name: 'WeCom',
  check(env, config) {
    const read = readWecomSettings(env, itemIds(config), config.wecom);
    return 'errors' in read ? read.errors : [];
  },
  async create(options) {
    const read = readWecomSettings(options.env, itemIds(options.config), options.config.wecom);
    if (!read.enabled)
      return { status: 'reason' in read ? read.reason : `WeCom is off: ${read.errors.join('; ')}` };
    const { createWecomChannel } = await import('./create-wecom-channel.ts');
    const wecom = createWecomChannel({
      ...options,
      // Where the widget keeps uploads (src/main.ts), so they reach WeCom staff as images.
      webchatUploadsDir: path.join(options.config.server.dataDir, 'uploads', 'webchat'),
    });
    if (!wecom.enabled) {
      return { status: 'reason' in wecom ? wecom.reason : `WeCom is off: ${wecom.errors.join('; ')}` };
    }
    const { channel } = wecom;
    return {
      status: `WeCom is on (corp ${channel.settings.corpId}, agent ${channel.settings.agentId})`,
      citizens: { wecom_kf: channel.citizenSender },
      staff: [channel.staffNotifier],
      connect: (deps) => channel.connect(deps),
    };
  },
};
