/**
 * The loopback fake WeCom API as a demo platform (`bangban start --demo --with-fakes`,
 * src/cli/demo-fakes.ts): starts it on an ephemeral 127.0.0.1 port and returns the WECOM_*
 * variables that switch the WeCom channel on against it, with throwaway secrets. Cards, reminders
 * and 微信客服 replies bangban sends are then recorded by the fake (GET <url>/_fake/calls).
 */
import { randomBytes } from 'node:crypto';
import { startFakeWecom } from './fake-wecom-server.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

export async function startDemoFake(): Promise<{
  env: Record<string, string>;
  describe: string;
  close(): Promise<void>;
}> {
  const corpId = 'wwbangbandemo';
  const secret = randomAlnum(32);
  const kfSecret = randomAlnum(32);
  const fake = await startFakeWecom({ corpId, secrets: [secret, kfSecret] });
  return {
    env: {
      WECOM_CORP_ID: corpId,
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: secret,
      WECOM_KF_SECRET: kfSecret,
      WECOM_TOKEN: randomAlnum(16),
      // 43 letters and digits always decode to the 32-byte key WeCom's scheme needs.
      WECOM_ENCODING_AES_KEY: randomAlnum(43),
      WECOM_API_BASE: fake.url,
    },
    describe: `WeCom: fake API on ${fake.url} (what bangban sends to staff: ${fake.url}/_fake/calls)`,
    close: () => fake.close(),
  };
}
