import { describe, expect, it } from 'vitest';
import { readDingtalkSettings } from '../../../adapters/dingtalk/dingtalk-settings.ts';
import { dingtalkPlatform } from '../../../adapters/dingtalk/platform.ts';
import { checkPlatformSettings, PLATFORMS } from '../../../src/platform-channels.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { startDemoFake } from '../../fakes/dingtalk/demo.ts';

const config = testConfig((raw) => {
  raw.dingtalk = {
    groups: [
      {
        item: 'preparation-registration',
        openConversationId: 'cidPrep==',
        robotWebhookEnv: 'DT_PREP_WEBHOOK',
        robotSecretEnv: 'DT_PREP_SECRET',
      },
    ],
  };
});

const full = {
  DINGTALK_APP_KEY: 'dingkey',
  DINGTALK_APP_SECRET: 'secret',
  DINGTALK_ROBOT_CODE: 'dingkey',
  DINGTALK_CALLBACK_TOKEN: 'tok123',
  DINGTALK_CALLBACK_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  DT_PREP_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
  DT_PREP_SECRET: 'SECxyz',
};

describe('DingTalk settings', () => {
  it('all unset: off, and the status line says how to switch it on', async () => {
    const read = readDingtalkSettings({}, config);
    expect(read).toMatchObject({ enabled: false });
    expect('reason' in read && read.reason).toMatch(
      /DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_ROBOT_CODE/,
    );
    expect(dingtalkPlatform.check({}, config)).toEqual([]);
    const instance = await dingtalkPlatform.create({ env: {}, config } as never);
    expect(instance.status).toMatch(/^DingTalk is off: set DINGTALK_APP_KEY/);
    expect(PLATFORMS).toContain(dingtalkPlatform);
  });

  it('fully set: on, with the item group (webhook and secret read from the variables config names)', () => {
    const read = readDingtalkSettings(full, config);
    expect(read.enabled).toBe(true);
    if (!read.enabled) return;
    expect(read.settings).toMatchObject({
      appKey: 'dingkey',
      maxClockSkewSeconds: 3600,
      apiBase: 'https://api.dingtalk.com',
      oapiBase: 'https://oapi.dingtalk.com',
      stream: false,
      groups: {
        'preparation-registration': {
          openConversationId: 'cidPrep==',
          robot: { webhook: full.DT_PREP_WEBHOOK, secret: 'SECxyz' },
        },
      },
    });
    expect(read.settings.callback?.aesKey).toHaveLength(32);
  });

  it('half set: every missing or bad variable is named, and the start stops with exit-2 config_invalid', () => {
    const env = {
      DINGTALK_APP_KEY: 'dingkey',
      DINGTALK_CALLBACK_TOKEN: 'tok123',
      DINGTALK_MAX_CLOCK_SKEW_SECONDS: 'soon',
      DINGTALK_API_BASE: 'not a url',
    };
    const errors = dingtalkPlatform.check(env, config);
    expect(errors.join('\n')).toMatch(/DINGTALK_APP_SECRET: required/);
    expect(errors.join('\n')).toMatch(/DINGTALK_ROBOT_CODE: required/);
    expect(errors.join('\n')).toMatch(
      /DINGTALK_CALLBACK_AES_KEY: required when DINGTALK_CALLBACK_TOKEN is set/,
    );
    expect(errors.join('\n')).toMatch(/DINGTALK_MAX_CLOCK_SKEW_SECONDS/);
    expect(errors.join('\n')).toMatch(/DINGTALK_API_BASE/);
    expect(errors.join('\n')).toMatch(/DT_PREP_WEBHOOK: .* not set/);
    expect(() => checkPlatformSettings(env, config)).toThrow(
      expect.objectContaining({ code: 'config_invalid' }) as Error,
    );
  });

  it('a bad AES key and a webhook without access_token are named', () => {
    const errors = dingtalkPlatform.check(
      { ...full, DINGTALK_CALLBACK_AES_KEY: 'short', DT_PREP_WEBHOOK: 'https://example.com/hook' },
      config,
    );
    expect(errors).toEqual([
      expect.stringMatching(/^DINGTALK_CALLBACK_AES_KEY: expected the 43-character/),
      expect.stringMatching(/^DT_PREP_WEBHOOK: expected the robot webhook URL/),
    ]);
  });

  it('config: an unknown item or a bad variable name in dingtalk.groups is refused', () => {
    expect(() =>
      testConfig((raw) => {
        raw.dingtalk = { groups: [{ item: 'x', robotWebhookEnv: 'lower-case' }] };
      }),
    ).toThrow(/dingtalk\.groups\[0\]\.robotWebhookEnv/);
    expect(
      dingtalkPlatform.check(
        full,
        testConfig((raw) => {
          raw.dingtalk = { groups: [{ item: 'no-such-item' }] };
        }),
      ),
    ).toEqual(['dingtalk.groups[0].item: no service item "no-such-item"']);
    // Existing config files without a dingtalk section stay valid.
    expect(testConfig().dingtalk).toEqual({ groups: [] });
  });

  it('the demo fake returns an environment that switches DingTalk on against it', async () => {
    const demo = await startDemoFake();
    try {
      const plain = testConfig();
      expect(dingtalkPlatform.check(demo.env, plain)).toEqual([]);
      const read = readDingtalkSettings(demo.env, plain);
      expect(read.enabled && read.settings.apiBase).toBe(demo.env['DINGTALK_API_BASE']);
      expect(demo.describe).toContain('fake DingTalk at http://127.0.0.1:');
      const token = await fetch(`${demo.env['DINGTALK_API_BASE']}/v1.0/oauth2/accessToken`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          appKey: demo.env['DINGTALK_APP_KEY'],
          appSecret: demo.env['DINGTALK_APP_SECRET'],
        }),
      });
      expect(((await token.json()) as { accessToken?: string }).accessToken).toMatch(/^tok-/);
    } finally {
      await demo.close();
    }
  });
});
