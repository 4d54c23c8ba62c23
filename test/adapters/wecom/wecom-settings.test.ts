import { describe, expect, it } from 'vitest';
import { itemEnvSuffix, readWecomSettings } from '../../../adapters/wecom/wecom-settings.ts';
import { wecomConfigSchema } from '../../../src/config/wecom-config.ts';

const ITEMS = ['preparation-registration', 'device-registration'];
const FULL = {
  WECOM_CORP_ID: 'wwcorp',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 's',
  WECOM_TOKEN: 't',
  WECOM_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

describe('readWecomSettings', () => {
  it('is off, saying how to switch it on, when no WECOM_* variable is set', () => {
    expect(readWecomSettings({}, ITEMS)).toEqual({
      enabled: false,
      reason: expect.stringContaining('WECOM_CORP_ID'),
    });
  });

  it('reads the variables with defaults for the API base and the clock skew', () => {
    const result = readWecomSettings(
      {
        ...FULL,
        WECOM_ROBOT_WEBHOOK_PREPARATION_REGISTRATION: 'key1',
        WECOM_APPCHAT_DEVICE_REGISTRATION: 'chat1',
      },
      ITEMS,
    );
    expect(result).toMatchObject({
      enabled: true,
      settings: {
        corpId: 'wwcorp',
        agentId: 1000002,
        apiBase: 'https://qyapi.weixin.qq.com',
        maxClockSkewSeconds: 300,
        robotKeys: { 'preparation-registration': 'key1' },
        appChats: { 'device-registration': 'chat1' },
      },
    });
  });

  it('takes WECOM_API_BASE, WECOM_KF_SECRET and WECOM_MAX_CLOCK_SKEW_SECONDS=0 (off)', () => {
    const result = readWecomSettings(
      {
        ...FULL,
        WECOM_API_BASE: 'http://127.0.0.1:9999/',
        WECOM_KF_SECRET: 'kf',
        WECOM_MAX_CLOCK_SKEW_SECONDS: '0',
      },
      ITEMS,
    );
    expect(result).toMatchObject({
      enabled: true,
      settings: { apiBase: 'http://127.0.0.1:9999', kfSecret: 'kf', maxClockSkewSeconds: 0 },
    });
  });

  it('names every bad or missing variable', () => {
    const result = readWecomSettings(
      {
        WECOM_CORP_ID: 'wwcorp',
        WECOM_AGENT_ID: 'abc',
        WECOM_ENCODING_AES_KEY: 'short',
        WECOM_MAX_CLOCK_SKEW_SECONDS: '-1',
      },
      ITEMS,
    );
    expect(result).toEqual({
      enabled: false,
      errors: [
        'WECOM_SECRET: required when any WECOM_* variable is set',
        'WECOM_TOKEN: required when any WECOM_* variable is set',
        'WECOM_AGENT_ID: expected a number',
        'WECOM_ENCODING_AES_KEY: expected 43 letters and digits that decode to a 32-byte key',
        'WECOM_MAX_CLOCK_SKEW_SECONDS: expected whole seconds (0 disables the check)',
      ],
    });
  });

  it('derives per-item variable names', () => {
    expect(itemEnvSuffix('cosmetics-production-license')).toBe('COSMETICS_PRODUCTION_LICENSE');
  });
});

describe('the config file’s wecom section', () => {
  const file = (raw: unknown) => wecomConfigSchema.parse(raw);

  it('defaults when absent: limits 30/20 shared across instances, no groups', () => {
    expect(file(undefined)).toEqual({
      limits: { memberPerMinute: 30, robotPerMinute: 20, shared: true },
      groups: [],
    });
    expect(() => file({ limits: { memberPerMinute: 31 } })).toThrow(/at most 30/);
    expect(() => file({ groups: [{ item: 'preparation-registration', robotWebhookKey: 'x' }] })).toThrow();
    expect(() => file({ groups: [{ item: 'preparation-registration', appChatId: 'bad id!' }] })).toThrow();
  });

  it('reads app chats, robot keys by reference and limits; the environment wins over the file', () => {
    const wecom = file({
      maxClockSkewSeconds: 60,
      limits: { memberPerMinute: 10, shared: false },
      groups: [
        {
          item: 'preparation-registration',
          appChatId: 'prepchat01',
          robotWebhookEnv: 'PREP_ROBOT',
          robotPerMinute: 5,
        },
        { item: 'device-registration', appChatId: 'devchat01' },
      ],
    });
    const result = readWecomSettings(
      {
        ...FULL,
        PREP_ROBOT: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx',
        WECOM_APPCHAT_DEVICE_REGISTRATION: 'fromenv',
      },
      ITEMS,
      wecom,
    );
    expect(result).toMatchObject({
      enabled: true,
      settings: {
        maxClockSkewSeconds: 60,
        robotKeys: { 'preparation-registration': '693a91f6-7xxx' },
        appChats: { 'preparation-registration': 'prepchat01', 'device-registration': 'fromenv' },
        limits: {
          memberPerMinute: 10,
          robotPerMinute: 20,
          robotPerMinuteByItem: { 'preparation-registration': 5 },
          shared: false,
        },
      },
    });
    const skew = readWecomSettings(
      { ...FULL, WECOM_MAX_CLOCK_SKEW_SECONDS: '0', PREP_ROBOT: 'k' },
      ITEMS,
      wecom,
    );
    expect(skew).toMatchObject({ settings: { maxClockSkewSeconds: 0 } });
  });

  it('names an unknown item, a repeated item, and a robot variable that is not set', () => {
    const wecom = file({
      groups: [
        { item: 'no-such-item' },
        { item: 'device-registration', robotWebhookEnv: 'DEV_ROBOT' },
        { item: 'device-registration' },
      ],
    });
    const result = readWecomSettings(FULL, ITEMS, wecom);
    expect(result).toEqual({
      enabled: false,
      errors: [
        'config wecom.groups[0].item: unknown service item no-such-item',
        'DEV_ROBOT: named by config wecom.groups[1].robotWebhookEnv but not set',
        'config wecom.groups[2].item: device-registration is listed twice',
      ],
    });
  });
});
