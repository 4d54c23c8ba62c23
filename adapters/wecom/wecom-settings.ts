/**
 * The WeCom channel's settings, read once from the environment (secrets never live in config files).
 * Returns a value: `enabled: false` with the reason when the required variables are absent, or
 * the list of bad variables (each naming the variable and why) when some are wrong.
 */
import type { DeepReadonly } from '../../src/config/config-types.ts';
import type { WecomConfig } from '../../src/config/wecom-config.ts';
import { aesKeyFrom, type AesKey } from './crypto.ts';

export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

export interface WecomSettings {
  corpId: string;
  agentId: number;
  /** The self-built app's secret (its own access_token). */
  secret: string;
  /** Callback Token (signature) and the derived AES key. */
  token: string;
  aes: AesKey;
  /** 微信客服 secret; when absent the app secret's token is used for kf/* calls. */
  kfSecret?: string;
  apiBase: string;
  /** |now − timestamp| allowed on callbacks; 0 disables the check. */
  maxClockSkewSeconds: number;
  /** Group robot webhook key per service item id (WECOM_ROBOT_WEBHOOK_<ITEM>). */
  robotKeys: Readonly<Record<string, string>>;
  /** App group chat id per service item id (WECOM_APPCHAT_<ITEM>). */
  appChats: Readonly<Record<string, string>>;
  /** Per-minute limits: per member, per robot (and per item's robot where set), shared across instances. */
  limits: {
    memberPerMinute: number;
    robotPerMinute: number;
    robotPerMinuteByItem: Readonly<Record<string, number>>;
    shared: boolean;
  };
}

export type WecomSettingsResult =
  | { enabled: true; settings: WecomSettings }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

const REQUIRED = [
  'WECOM_CORP_ID',
  'WECOM_AGENT_ID',
  'WECOM_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
] as const;

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** `preparation-registration` → `PREPARATION_REGISTRATION`, the suffix of the per-item variables. */
export function itemEnvSuffix(itemId: string): string {
  return itemId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** A robot variable may hold the key or the whole webhook URL (…/webhook/send?key=…). */
function robotKey(value: string): string | null {
  if (!/^https?:\/\//.test(value)) return /^[\w-]{1,128}$/.test(value) ? value : null;
  try {
    const key = new URL(value).searchParams.get('key');
    return key && /^[\w-]{1,128}$/.test(key) ? key : null;
  } catch {
    return null;
  }
}

/**
 * Settings from the environment and the config's `wecom` section (non-secret per-item settings and
 * limits). Precedence: an item's WECOM_APPCHAT_<ITEM> / WECOM_ROBOT_WEBHOOK_<ITEM> wins over its
 * `wecom.groups` entry; WECOM_MAX_CLOCK_SKEW_SECONDS wins over `wecom.maxClockSkewSeconds`.
 */
export function readWecomSettings(
  env: NodeJS.ProcessEnv,
  itemIds: readonly string[],
  file?: DeepReadonly<WecomConfig>,
): WecomSettingsResult {
  const missing = REQUIRED.filter((name) => read(env, name) === undefined);
  if (missing.length === REQUIRED.length) {
    return { enabled: false, reason: `WeCom is off: set ${REQUIRED.join(', ')} to switch it on` };
  }
  const errors = missing.map((name) => `${name}: required when any WECOM_* variable is set`);
  const agentId = read(env, 'WECOM_AGENT_ID');
  if (agentId !== undefined && !/^\d{1,10}$/.test(agentId)) errors.push('WECOM_AGENT_ID: expected a number');
  const encodingAesKey = read(env, 'WECOM_ENCODING_AES_KEY');
  const aes = encodingAesKey === undefined ? null : aesKeyFrom(encodingAesKey);
  if (encodingAesKey !== undefined && !aes)
    errors.push('WECOM_ENCODING_AES_KEY: expected 43 letters and digits that decode to a 32-byte key');
  const apiBase = (read(env, 'WECOM_API_BASE') ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(apiBase)) errors.push('WECOM_API_BASE: expected an http(s) URL');
  const skew = read(env, 'WECOM_MAX_CLOCK_SKEW_SECONDS');
  if (skew !== undefined && !/^\d{1,7}$/.test(skew))
    errors.push('WECOM_MAX_CLOCK_SKEW_SECONDS: expected whole seconds (0 disables the check)');
  const groups = file?.groups ?? [];
  const robotKeys: Record<string, string> = {};
  const appChats: Record<string, string> = {};
  const robotPerMinuteByItem: Record<string, number> = {};
  const seen = new Set<string>();
  for (const [index, group] of groups.entries()) {
    const where = `config wecom.groups[${index}]`;
    if (!itemIds.includes(group.item)) errors.push(`${where}.item: unknown service item ${group.item}`);
    if (seen.has(group.item)) errors.push(`${where}.item: ${group.item} is listed twice`);
    seen.add(group.item);
    if (group.appChatId) appChats[group.item] = group.appChatId;
    if (group.robotPerMinute) robotPerMinuteByItem[group.item] = group.robotPerMinute;
    if (group.robotWebhookEnv) {
      const value = read(env, group.robotWebhookEnv);
      const key = value === undefined ? null : robotKey(value);
      if (value === undefined)
        errors.push(`${group.robotWebhookEnv}: named by ${where}.robotWebhookEnv but not set`);
      else if (!key)
        errors.push(`${group.robotWebhookEnv}: expected a group robot key or its webhook URL (…?key=…)`);
      else robotKeys[group.item] = key;
    }
  }
  for (const id of itemIds) {
    const name = `WECOM_ROBOT_WEBHOOK_${itemEnvSuffix(id)}`;
    const value = read(env, name);
    if (value === undefined) continue;
    const key = robotKey(value);
    if (key) robotKeys[id] = key;
    else errors.push(`${name}: expected a group robot key or its webhook URL (…?key=…)`);
  }
  for (const id of itemIds) {
    const value = read(env, `WECOM_APPCHAT_${itemEnvSuffix(id)}`);
    if (value !== undefined) appChats[id] = value;
  }
  if (errors.length > 0 || !aes) return { enabled: false, errors };

  const kfSecret = read(env, 'WECOM_KF_SECRET');
  return {
    enabled: true,
    settings: {
      corpId: read(env, 'WECOM_CORP_ID')!,
      agentId: Number(agentId),
      secret: read(env, 'WECOM_SECRET')!,
      token: read(env, 'WECOM_TOKEN')!,
      aes,
      ...(kfSecret ? { kfSecret } : {}),
      apiBase,
      maxClockSkewSeconds:
        skew !== undefined ? Number(skew) : (file?.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS),
      robotKeys,
      appChats,
      limits: {
        memberPerMinute: file?.limits.memberPerMinute ?? 30,
        robotPerMinute: file?.limits.robotPerMinute ?? 20,
        robotPerMinuteByItem,
        shared: file?.limits.shared ?? true,
      },
    },
  };
}
