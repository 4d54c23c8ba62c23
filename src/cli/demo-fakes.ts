/**
 * Loopback fakes of the outside platforms for `bangban start --demo --with-fakes`: each platform
 * whose variables are not set gets its fake (test/fakes/<area>/demo.ts, `startDemoFake()`) started
 * on 127.0.0.1, and the variables it returns switch the platform on against it. A platform with
 * any of its variables set is left alone (real, or half-set and reported by its own check).
 *
 * The fakes live under test/ and are loaded by a path string at run time (never a static import
 * from src/), so production code does not depend on test code and a deployment without test/
 * says so instead of failing to start. Opt-in, because each fake also switches its adapter on,
 * which costs start time (`npm start` stays within its 3 s target).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface StartedDemoFake {
  env: Record<string, string>;
  describe: string;
  close(): Promise<void>;
}

export interface DemoFake {
  /** Platform name for messages. */
  name: string;
  /** Any of these set in the environment means the platform is configured: no fake. */
  switchedOnBy: readonly string[];
  /** The fake's module, relative to the repository root; it exports `startDemoFake`. */
  module: string;
}

/** The registry: one entry per platform. */
export const DEMO_FAKES: readonly DemoFake[] = [
  {
    name: 'WeCom',
    switchedOnBy: [
      'WECOM_CORP_ID',
      'WECOM_AGENT_ID',
      'WECOM_SECRET',
      'WECOM_TOKEN',
      'WECOM_ENCODING_AES_KEY',
    ],
    module: 'test/fakes/wecom/demo.ts',
  },
  {
    name: 'DingTalk',
    switchedOnBy: ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET', 'DINGTALK_ROBOT_CODE'],
    module: 'test/fakes/dingtalk/demo.ts',
  },
  {
    name: 'WeChat Official Account',
    switchedOnBy: [
      'WECHAT_OA_APP_ID',
      'WECHAT_OA_APP_SECRET',
      'WECHAT_OA_TOKEN',
      'WECHAT_OA_ENCODING_AES_KEY',
    ],
    module: 'test/fakes/wechat/demo.ts',
  },
  {
    name: '12345 hotline',
    switchedOnBy: ['HOTLINE_12345_BASE_URL', 'HOTLINE_12345_APP_ID', 'HOTLINE_12345_SECRET'],
    module: 'test/fakes/hotline-12345/demo.ts',
  },
];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningDemoFakes {
  /** Variables to add to the environment bangban starts with. */
  env: Record<string, string>;
  /** One line per platform: its fake, or why it has none. */
  lines: string[];
  close(): Promise<void>;
}

/** Starts the fakes of the platforms `env` leaves unconfigured; a fake that fails is reported and skipped. */
export async function startDemoFakes(
  env: NodeJS.ProcessEnv,
  fakes: readonly DemoFake[] = DEMO_FAKES,
  root: string = ROOT,
): Promise<RunningDemoFakes> {
  const started: StartedDemoFake[] = [];
  const lines: string[] = [];
  const merged: Record<string, string> = {};
  for (const fake of fakes) {
    const set = fake.switchedOnBy.filter((name) => (env[name] ?? '').trim() !== '');
    if (set.length > 0) {
      lines.push(`${fake.name}: configured by the environment (${set.join(', ')}), no fake`);
      continue;
    }
    const file = path.resolve(root, fake.module);
    try {
      await access(file);
    } catch {
      lines.push(`${fake.name}: no fake here (${fake.module} is not installed)`);
      continue;
    }
    try {
      const loaded = (await import(pathToFileURL(file).href)) as {
        startDemoFake?: () => Promise<StartedDemoFake>;
      };
      if (typeof loaded.startDemoFake !== 'function') throw new Error('it exports no startDemoFake()');
      const running = await loaded.startDemoFake();
      started.push(running);
      Object.assign(merged, running.env);
      lines.push(running.describe);
    } catch (error) {
      lines.push(
        `${fake.name}: the fake did not start (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  return {
    env: merged,
    lines,
    async close() {
      await Promise.allSettled(started.map((fake) => fake.close()));
    },
  };
}
