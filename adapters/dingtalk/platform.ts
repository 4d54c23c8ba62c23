/**
 * DingTalk as one entry of the platform list (src/platform-channels.ts): the settings check runs
 * before anything opens; the adapter itself is imported only when its variables are set.
 */
import type { Platform } from '../../src/platform.ts';
import { readDingtalkSettings } from './dingtalk-settings.ts';

export const dingtalkPlatform: Platform = {
  name: 'DingTalk',
  check(env, config) {
    const read = readDingtalkSettings(env, config);
    return 'errors' in read ? read.errors : [];
  },
  async create(options) {
    const read = readDingtalkSettings(options.env, options.config);
    if (!read.enabled)
      return { status: 'reason' in read ? read.reason : `DingTalk is off: ${read.errors.join('; ')}` };
    const { createDingtalkChannel } = await import('./create-dingtalk-channel.ts');
    const created = createDingtalkChannel(options);
    if (!created.enabled)
      return {
        status: 'reason' in created ? created.reason : `DingTalk is off: ${created.errors.join('; ')}`,
      };
    const { channel } = created;
    const { settings } = channel;
    const groups = Object.keys(settings.groups).length;
    return {
      status:
        `DingTalk is on (app ${settings.appKey}, robot ${settings.robotCode}; ` +
        `${settings.stream ? 'robot messages over Stream' : 'robot messages at /callbacks/dingtalk'}; ` +
        `${settings.callback ? 'event callbacks on' : 'event callbacks off'}; ${groups} item group(s))`,
      staff: [channel.staffNotifier],
      connect: ({ flows }) => channel.connect({ flows }),
      close: async () => {
        await channel.stream()?.stop();
      },
    };
  },
};
