/**
 * The WeChat Official Account as one entry of the platform list (src/platform-channels.ts): the
 * settings check runs before anything opens; the adapter itself is imported only when switched on.
 */
import type { Platform } from '../../src/platform.ts';
import { readWechatOaSettings } from './wechat-oa-settings.ts';

export const wechatOaPlatform: Platform = {
  name: 'WeChat Official Account',
  check(env) {
    const read = readWechatOaSettings(env);
    return 'errors' in read ? read.errors : [];
  },
  async create(options) {
    const read = readWechatOaSettings(options.env);
    if (!read.enabled)
      return {
        status: 'reason' in read ? read.reason : `WeChat Official Account is off: ${read.errors.join('; ')}`,
      };
    const { createWechatOaChannel } = await import('./create-wechat-oa-channel.ts');
    const created = createWechatOaChannel(options);
    if (!created.enabled) {
      return {
        status:
          'reason' in created
            ? created.reason
            : `WeChat Official Account is off: ${created.errors.join('; ')}`,
      };
    }
    const { channel } = created;
    const mode = channel.settings.aes ? 'plaintext, compatible and safe mode' : 'plaintext mode only';
    return {
      status: `WeChat Official Account is on (AppID ${channel.settings.appId}, ${mode}, API ${channel.settings.apiBase})`,
      citizens: { wechat_oa: channel.citizenSender },
      connect: (deps) => channel.connect(deps),
    };
  },
};
