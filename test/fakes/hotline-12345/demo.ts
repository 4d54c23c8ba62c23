/**
 * The 12345 fake for `npm start`: tickets bangban pushes are created on a loopback fake, and two
 * seconds later the fake calls back "accepted" with a 12345 number (to bangban on PORT, default
 * 3000), so the citizen sees the number in the widget.
 */
import { randomBytes } from 'node:crypto';
import { startFakeHotline } from './fake-hotline-server.ts';

export async function startDemoFake(): Promise<{
  env: Record<string, string>;
  describe: string;
  close(): Promise<void>;
}> {
  const appId = 'bangban-demo';
  const secret = randomBytes(24).toString('hex');
  const port = process.env['PORT'] ?? '3000';
  const fake = await startFakeHotline({
    appId,
    secret,
    autoAccept: { callbackUrl: `http://127.0.0.1:${port}/callbacks/12345`, delayMs: 2000 },
  });
  return {
    env: { HOTLINE_12345_BASE_URL: fake.url, HOTLINE_12345_APP_ID: appId, HOTLINE_12345_SECRET: secret },
    describe:
      `fake 12345 hotline on ${fake.url}: /12345 <reason> in the desk creates a ticket there; ` +
      'it answers "accepted" with a 12345 number 2 s later',
    close: () => fake.close(),
  };
}
