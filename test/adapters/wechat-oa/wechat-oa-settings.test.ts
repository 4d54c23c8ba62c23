import { describe, expect, it } from 'vitest';
import { readWechatOaSettings } from '../../../adapters/wechat-oa/wechat-oa-settings.ts';
import { wechatOaPlatform } from '../../../adapters/wechat-oa/platform.ts';
import { checkPlatformSettings } from '../../../src/platform-channels.ts';
import { testConfig } from '../../flows/flow-harness.ts';

const full = {
  WECHAT_OA_APP_ID: 'wxb11529c136998cb6',
  WECHAT_OA_APP_SECRET: 'secret',
  WECHAT_OA_TOKEN: 'pamtest',
  WECHAT_OA_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

describe('readWechatOaSettings', () => {
  it('is off, saying how to switch it on, when no variable is set', () => {
    const read = readWechatOaSettings({ WECHAT_API_BASE: 'http://127.0.0.1:1' });
    expect(read).toMatchObject({ enabled: false });
    expect('reason' in read && read.reason).toContain('WECHAT_OA_APP_ID');
  });

  it('reads every variable, with defaults', () => {
    expect(readWechatOaSettings(full)).toMatchObject({
      enabled: true,
      settings: {
        appId: full.WECHAT_OA_APP_ID,
        apiBase: 'https://api.weixin.qq.com',
        maxClockSkewSeconds: 300,
      },
    });
    const read = readWechatOaSettings({
      ...full,
      WECHAT_API_BASE: 'http://127.0.0.1:9/',
      WECHAT_OA_MAX_CLOCK_SKEW_SECONDS: '0',
    });
    expect(read).toMatchObject({
      enabled: true,
      settings: { apiBase: 'http://127.0.0.1:9', maxClockSkewSeconds: 0 },
    });
  });

  it('runs in plaintext mode only without an EncodingAESKey', () => {
    const { WECHAT_OA_ENCODING_AES_KEY: _key, ...plain } = full;
    expect(readWechatOaSettings(plain)).toMatchObject({ enabled: true, settings: { aes: null } });
  });

  it('names every bad or missing variable when half set', () => {
    const read = readWechatOaSettings({
      WECHAT_OA_ENCODING_AES_KEY: 'short',
      WECHAT_OA_MAX_CLOCK_SKEW_SECONDS: 'soon',
      WECHAT_API_BASE: 'ftp://x',
    });
    expect(read.enabled).toBe(false);
    const errors = 'errors' in read ? read.errors : [];
    for (const name of [
      'WECHAT_OA_APP_ID',
      'WECHAT_OA_APP_SECRET',
      'WECHAT_OA_TOKEN',
      'WECHAT_OA_ENCODING_AES_KEY',
      'WECHAT_OA_MAX_CLOCK_SKEW_SECONDS',
      'WECHAT_API_BASE',
    ])
      expect(
        errors.some((e) => e.startsWith(`${name}:`)),
        name,
      ).toBe(true);
  });

  it('stops the start (config_invalid → exit 2) when half configured', async () => {
    const config = testConfig();
    expect(wechatOaPlatform.check({ WECHAT_OA_APP_ID: 'wxb11529c136998cb6' }, config)).toHaveLength(2);
    expect(() => checkPlatformSettings({ WECHAT_OA_TOKEN: 'abc' }, config, [wechatOaPlatform])).toThrow(
      /WECHAT_OA_APP_ID.*\n.*WECHAT_OA_APP_SECRET/s,
    );
    const off = await wechatOaPlatform.create({ env: {}, config } as never);
    expect(off.status).toMatch(/WeChat Official Account is off/);
  });
});
