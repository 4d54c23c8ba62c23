/**
 * The DingTalk channel's settings, read once from the environment and the config's `dingtalk`
 * slice. Returns a value: `enabled: false` with how to switch it on when no DINGTALK_* variable
 * is set, or the list of problems (each naming the variable) when the set is incomplete or wrong.
 */
import type { Config } from '../../src/config/config-types.ts';
import { aesKeyOf } from './crypto.ts';

export const DEFAULT_API_BASE = 'https://api.dingtalk.com';
export const DEFAULT_OAPI_BASE = 'https://oapi.dingtalk.com';
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 3600;

/** One item's DingTalk group: the app robot's target and/or a custom robot (加签). */
export interface DingtalkGroup {
  openConversationId?: string;
  robot?: { webhook: string; secret?: string };
}

export interface DingtalkSettings {
  appKey: string;
  appSecret: string;
  robotCode: string;
  /** Event subscription (HTTP) crypto; both set or neither (then /callbacks/dingtalk/events is off). */
  callback?: { token: string; aesKey: Buffer };
  apiBase: string;
  oapiBase: string;
  /** |now − timestamp| allowed on robot callbacks; 0 disables the check. */
  maxClockSkewSeconds: number;
  /** Stream mode: robot messages arrive over the outbound WebSocket gateway instead of HTTP. */
  stream: boolean;
  /** Per item id. */
  groups: Readonly<Record<string, DingtalkGroup>>;
}

export type DingtalkSettingsResult =
  | { enabled: true; settings: DingtalkSettings }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

const REQUIRED = ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET', 'DINGTALK_ROBOT_CODE'] as const;
const OPTIONAL = [
  'DINGTALK_CALLBACK_TOKEN',
  'DINGTALK_CALLBACK_AES_KEY',
  'DINGTALK_MAX_CLOCK_SKEW_SECONDS',
  'DINGTALK_API_BASE',
  'DINGTALK_OAPI_BASE',
  'DINGTALK_STREAM',
] as const;

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const isHttpUrl = (value: string) => /^https?:\/\/[^\s/]+/.test(value);

export function readDingtalkSettings(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'items'> & { dingtalk?: Config['dingtalk'] },
): DingtalkSettingsResult {
  const groupsConfig = config.dingtalk?.groups ?? [];
  const anySet = [...REQUIRED, ...OPTIONAL].some((name) => read(env, name) !== undefined);
  if (!anySet) {
    const reason = `DingTalk is off: set ${REQUIRED.join(', ')} (and DINGTALK_CALLBACK_TOKEN, DINGTALK_CALLBACK_AES_KEY for event callbacks) to switch it on`;
    return { enabled: false, reason };
  }
  const errors = REQUIRED.filter((name) => read(env, name) === undefined).map(
    (name) => `${name}: required when any DINGTALK_* variable is set`,
  );
  const token = read(env, 'DINGTALK_CALLBACK_TOKEN');
  const aes = read(env, 'DINGTALK_CALLBACK_AES_KEY');
  if (token !== undefined && !/^[A-Za-z0-9]{3,32}$/.test(token))
    errors.push('DINGTALK_CALLBACK_TOKEN: expected 3–32 letters or digits');
  if (token !== undefined && aes === undefined)
    errors.push('DINGTALK_CALLBACK_AES_KEY: required when DINGTALK_CALLBACK_TOKEN is set');
  if (aes !== undefined && token === undefined)
    errors.push('DINGTALK_CALLBACK_TOKEN: required when DINGTALK_CALLBACK_AES_KEY is set');
  const aesKey = aes === undefined ? null : aesKeyOf(aes);
  if (aes !== undefined && !aesKey)
    errors.push('DINGTALK_CALLBACK_AES_KEY: expected the 43-character 数据加密密钥 (decodes to 32 bytes)');
  const apiBase = (read(env, 'DINGTALK_API_BASE') ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  if (!isHttpUrl(apiBase)) errors.push('DINGTALK_API_BASE: expected an http(s) URL');
  const oapiBase = (read(env, 'DINGTALK_OAPI_BASE') ?? DEFAULT_OAPI_BASE).replace(/\/+$/, '');
  if (!isHttpUrl(oapiBase)) errors.push('DINGTALK_OAPI_BASE: expected an http(s) URL');
  const skew = read(env, 'DINGTALK_MAX_CLOCK_SKEW_SECONDS');
  if (skew !== undefined && !/^\d{1,7}$/.test(skew))
    errors.push('DINGTALK_MAX_CLOCK_SKEW_SECONDS: expected whole seconds (0 disables the check)');
  const stream = read(env, 'DINGTALK_STREAM');
  if (stream !== undefined && !/^(0|1|true|false)$/i.test(stream))
    errors.push('DINGTALK_STREAM: expected 1 or 0');

  const itemIds = new Set(config.items.map((item) => item.id));
  const groups: Record<string, DingtalkGroup> = {};
  for (const [index, group] of groupsConfig.entries()) {
    const where = `dingtalk.groups[${index}]`;
    if (!itemIds.has(group.item)) {
      errors.push(`${where}.item: no service item "${group.item}"`);
      continue;
    }
    const entry: DingtalkGroup = {
      ...(group.openConversationId ? { openConversationId: group.openConversationId } : {}),
    };
    if (group.robotWebhookEnv) {
      const webhook = read(env, group.robotWebhookEnv);
      const secret = group.robotSecretEnv ? read(env, group.robotSecretEnv) : undefined;
      if (webhook === undefined)
        errors.push(`${group.robotWebhookEnv}: ${where}.robotWebhookEnv names it, but it is not set`);
      else if (!isHttpUrl(webhook) || !/[?&]access_token=[^&]+/.test(webhook))
        errors.push(`${group.robotWebhookEnv}: expected the robot webhook URL with access_token=…`);
      if (group.robotSecretEnv && secret === undefined)
        errors.push(`${group.robotSecretEnv}: ${where}.robotSecretEnv names it, but it is not set`);
      if (webhook !== undefined) entry.robot = { webhook, ...(secret ? { secret } : {}) };
    } else if (group.robotSecretEnv) {
      errors.push(`${where}.robotSecretEnv: set robotWebhookEnv too (a secret without a webhook)`);
    }
    groups[group.item] = entry;
  }
  if (errors.length > 0) return { enabled: false, errors };

  return {
    enabled: true,
    settings: {
      appKey: read(env, 'DINGTALK_APP_KEY')!,
      appSecret: read(env, 'DINGTALK_APP_SECRET')!,
      robotCode: read(env, 'DINGTALK_ROBOT_CODE')!,
      ...(token && aesKey ? { callback: { token, aesKey } } : {}),
      apiBase,
      oapiBase,
      maxClockSkewSeconds: skew === undefined ? DEFAULT_MAX_CLOCK_SKEW_SECONDS : Number(skew),
      stream: stream !== undefined && /^(1|true)$/i.test(stream),
      groups,
    },
  };
}
