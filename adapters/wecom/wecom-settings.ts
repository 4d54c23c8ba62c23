/**
 * The WeCom channel's settings, read once from the environment (secrets never live in config files).
 * Returns a value: `enabled: false` with the reason when the required variables are absent, or
 * the list of bad variables (each naming the variable and why) when some are wrong.
 */
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

export function readWecomSettings(env: NodeJS.ProcessEnv, itemIds: readonly string[]): WecomSettingsResult {
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
  if (errors.length > 0 || !aes) return { enabled: false, errors };

  const perItem = (prefix: string): Record<string, string> =>
    Object.fromEntries(
      itemIds.flatMap((id) => {
        const value = read(env, `${prefix}${itemEnvSuffix(id)}`);
        return value === undefined ? [] : [[id, value]];
      }),
    );
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
      maxClockSkewSeconds: skew === undefined ? DEFAULT_MAX_CLOCK_SKEW_SECONDS : Number(skew),
      robotKeys: perItem('WECOM_ROBOT_WEBHOOK_'),
      appChats: perItem('WECOM_APPCHAT_'),
    },
  };
}
