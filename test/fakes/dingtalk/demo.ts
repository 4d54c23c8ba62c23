/**
 * `npm start` demo: the loopback fake DingTalk on an ephemeral 127.0.0.1 port and the environment
 * that switches the DingTalk platform on against it. Messages "sent" to helpers are recorded by the
 * fake (and logged by bangban's outbox); robot callbacks can be posted with the printed secret.
 */
import { startFakeDingtalk } from './fake-dingtalk-server.ts';

export async function startDemoFake(): Promise<{
  env: Record<string, string>;
  describe: string;
  close(): Promise<void>;
}> {
  const appKey = 'dingdemoappkey';
  const appSecret = 'demo-app-secret-not-for-production';
  const fake = await startFakeDingtalk({ appKey, appSecret });
  return {
    env: {
      DINGTALK_APP_KEY: appKey,
      DINGTALK_APP_SECRET: appSecret,
      DINGTALK_ROBOT_CODE: appKey,
      DINGTALK_CALLBACK_TOKEN: 'demoToken',
      DINGTALK_CALLBACK_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      DINGTALK_API_BASE: fake.url,
      DINGTALK_OAPI_BASE: fake.url,
    },
    describe:
      `fake DingTalk at ${fake.url} (app ${appKey}): helpers with identities.dingtalk get their cards there; ` +
      `POST robot messages to /callbacks/dingtalk signed with timestamp + sign = Base64(HmacSHA256("<ms>\\n${appSecret}"))`,
    close: () => fake.close(),
  };
}
