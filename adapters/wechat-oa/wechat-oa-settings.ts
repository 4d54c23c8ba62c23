/**
 * The WeChat Official Account channel's settings, read once from the environment (secrets never live
 * in config files). A value, never a throw: `enabled: false` with the reason when no WECHAT_OA_*
 * variable is set, or the list of bad variables (each naming the variable) when some are wrong.
 */
import { aesKeyFrom, type AesKey } from '../wecom/crypto.ts';

export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com';
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

export interface WechatOaSettings {
  /** AppID: also the receiveid of every encrypted frame (protocols §2). */
  appId: string;
  appSecret: string;
  /** 服务器配置 Token: the `signature` / `msg_signature` key. */
  token: string;
  /** From WECHAT_OA_ENCODING_AES_KEY; null = plaintext mode only (encrypted callbacks are refused). */
  aes: AesKey | null;
  apiBase: string;
  /** |now − timestamp| allowed on callbacks; 0 disables the check. */
  maxClockSkewSeconds: number;
}

export type WechatOaSettingsResult =
  | { enabled: true; settings: WechatOaSettings }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

const REQUIRED = ['WECHAT_OA_APP_ID', 'WECHAT_OA_APP_SECRET', 'WECHAT_OA_TOKEN'] as const;
/** Any of these set means the operator meant to switch the channel on. */
const SWITCHES = [...REQUIRED, 'WECHAT_OA_ENCODING_AES_KEY', 'WECHAT_OA_MAX_CLOCK_SKEW_SECONDS'] as const;

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function readWechatOaSettings(env: NodeJS.ProcessEnv): WechatOaSettingsResult {
  if (SWITCHES.every((name) => read(env, name) === undefined)) {
    return {
      enabled: false,
      reason: `WeChat Official Account is off: set ${REQUIRED.join(', ')} (and WECHAT_OA_ENCODING_AES_KEY for safe mode) to switch it on`,
    };
  }
  const errors = REQUIRED.filter((name) => read(env, name) === undefined).map(
    (name) => `${name}: required when any WECHAT_OA_* variable is set`,
  );
  const appId = read(env, 'WECHAT_OA_APP_ID');
  if (appId !== undefined && !/^wx[0-9a-zA-Z]{6,30}$/.test(appId))
    errors.push('WECHAT_OA_APP_ID: expected the AppID (wx followed by letters and digits)');
  const token = read(env, 'WECHAT_OA_TOKEN');
  if (token !== undefined && !/^[A-Za-z0-9]{3,32}$/.test(token))
    errors.push('WECHAT_OA_TOKEN: expected 3 to 32 letters and digits (the 服务器配置 Token)');
  const encodingAesKey = read(env, 'WECHAT_OA_ENCODING_AES_KEY');
  const aes = encodingAesKey === undefined ? null : aesKeyFrom(encodingAesKey);
  if (encodingAesKey !== undefined && !aes)
    errors.push('WECHAT_OA_ENCODING_AES_KEY: expected 43 letters and digits that decode to a 32-byte key');
  const apiBase = (read(env, 'WECHAT_API_BASE') ?? DEFAULT_WECHAT_API_BASE).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(apiBase)) errors.push('WECHAT_API_BASE: expected an http(s) URL');
  const skew = read(env, 'WECHAT_OA_MAX_CLOCK_SKEW_SECONDS');
  if (skew !== undefined && !/^\d{1,7}$/.test(skew))
    errors.push('WECHAT_OA_MAX_CLOCK_SKEW_SECONDS: expected whole seconds (0 disables the check)');
  if (errors.length > 0) return { enabled: false, errors };
  return {
    enabled: true,
    settings: {
      appId: appId!,
      appSecret: read(env, 'WECHAT_OA_APP_SECRET')!,
      token: token!,
      aes,
      apiBase,
      maxClockSkewSeconds: skew === undefined ? DEFAULT_MAX_CLOCK_SKEW_SECONDS : Number(skew),
    },
  };
}
