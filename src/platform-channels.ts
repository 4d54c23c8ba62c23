/**
 * The outside platforms bangban can serve. Each is one entry of PLATFORMS (its own
 * `adapters/<name>/platform.ts`): switched on by its environment variables, off — saying so at
 * start — without them. Adding a platform is adding its entry here; nothing else in src/ changes.
 */
import type { Router } from '@koa/router';
import { wecomPlatform } from '../adapters/wecom/platform.ts';
import { dingtalkPlatform } from '../adapters/dingtalk/platform.ts';
import { wechatOaPlatform } from '../adapters/wechat-oa/platform.ts';
import { hotline12345Platform } from '../adapters/hotline-12345/platform.ts';
import type { CitizenSender, StaffNotifier } from './channel-router.ts';
import type { Config } from './config/index.ts';
import { AppError } from './core/errors.ts';
import type { Channel } from './core/inbound.ts';
import type { Platform, PlatformConnectDeps, PlatformInstance, PlatformOptions } from './platform.ts';

export type { Platform, PlatformConnectDeps, PlatformInstance, PlatformOptions } from './platform.ts';

export const PLATFORMS: readonly Platform[] = [
  wecomPlatform,
  dingtalkPlatform,
  wechatOaPlatform,
  hotline12345Platform,
];

export interface PlatformChannels {
  citizens: Partial<Record<Channel, CitizenSender>>;
  staff: StaffNotifier[];
  /** Once the flows exist: the callback routers to mount. */
  connect(deps: PlatformConnectDeps): Router[];
  /** One line per platform: on, or off and how to switch it on. */
  status: string[];
  /** Stops every platform's own background work. */
  close(): Promise<void>;
}

/**
 * Checks every platform's variables before anything is opened, so a half-configured platform stops
 * the start with the variable names (exit 2) rather than running without it.
 */
export function checkPlatformSettings(
  env: NodeJS.ProcessEnv,
  config: Config,
  platforms: readonly Platform[] = PLATFORMS,
): void {
  const errors = platforms.flatMap((platform) => platform.check(env, config));
  if (errors.length > 0) {
    throw new AppError('config_invalid', `invalid platform settings:\n  ${errors.join('\n  ')}`, {
      details: { errors },
    });
  }
}

/** A platform's code (and its HTTP client) is loaded only when the platform is switched on. */
export async function createPlatformChannels(
  options: PlatformOptions,
  platforms: readonly Platform[] = PLATFORMS,
): Promise<PlatformChannels> {
  const instances: PlatformInstance[] = [];
  for (const platform of platforms) instances.push(await platform.create(options));
  return {
    citizens: Object.assign({}, ...instances.map((instance) => instance.citizens ?? {})),
    staff: instances.flatMap((instance) => instance.staff ?? []),
    connect: (deps) =>
      instances.flatMap((instance) => {
        const routers = instance.connect?.(deps) ?? [];
        return (Array.isArray(routers) ? routers : [routers]) as Router[];
      }),
    status: instances.map((instance) => instance.status),
    close: async () => {
      await Promise.all(instances.map((instance) => instance.close?.()));
    },
  };
}
