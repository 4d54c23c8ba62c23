import { z } from 'zod';

/*
 * The WeCom slice of config/default.yaml (adapters/wecom). Only what is not secret lives here:
 * which item posts to which app group chat, where each item's group robot key is kept, and the
 * rate limits. Secrets (app secret, callback token and key, the robot's webhook key, which lets
 * anyone post into the group) come from the environment only; the config names the variable.
 *
 *   wecom:
 *     maxClockSkewSeconds: 300           # WECOM_MAX_CLOCK_SKEW_SECONDS wins when set
 *     limits: { memberPerMinute: 30, robotPerMinute: 20, shared: true }
 *     groups:
 *       - item: preparation-registration
 *         appChatId: prepgroup01             # from `bangban wecom appchat create`
 *         robotWebhookEnv: WECOM_ROBOT_PREP  # holds the robot's key (or its whole webhook URL)
 *         robotPerMinute: 10                 # a robot shared with another system gets less
 *
 * Precedence (adapters/wecom/README.md): an item's WECOM_APPCHAT_<ITEM> / WECOM_ROBOT_WEBHOOK_<ITEM>
 * variable wins over its entry here; WECOM_MAX_CLOCK_SKEW_SECONDS wins over maxClockSkewSeconds.
 */

const envName = z
  .string({ error: 'expected the name of an environment variable' })
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name (A-Z, 0-9, _)' });

const itemId = z
  .string({ error: 'expected an item id' })
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'expected an id of lowercase letters, digits, - or _' });

const perMinute = (max: number) =>
  z
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `WeCom allows at most ${max} a minute` });

export const wecomGroupSchema = z.strictObject({
  item: itemId,
  /** chatid of the app group chat (appchat/create), ≤ 32 letters and digits. */
  appChatId: z
    .string({ error: 'expected a chat id' })
    .regex(/^[0-9A-Za-z]{1,32}$/, { error: 'expected 1–32 letters and digits (an appchat chatid)' })
    .optional(),
  /** Environment variable holding the group robot's key (or its full webhook URL). */
  robotWebhookEnv: envName.optional(),
  /** This item's robot limit, below the platform's 20 when the robot is shared. */
  robotPerMinute: perMinute(20).optional(),
});

export const wecomConfigSchema = z
  .strictObject({
    /** |now − timestamp| allowed on callbacks; 0 disables the check. */
    maxClockSkewSeconds: z.int({ error: 'expected whole seconds' }).min(0).max(9_999_999).optional(),
    limits: z
      .strictObject({
        /** App messages per member per minute (WeCom: 30, the excess silently dropped). */
        memberPerMinute: perMinute(30).default(30),
        /** Group robot messages per robot per minute (WeCom: 20). */
        robotPerMinute: perMinute(20).default(20),
        /** Count in the database, so all instances together stay within the limits (else per process). */
        shared: z.boolean().default(true),
      })
      .prefault({}),
    groups: z.array(wecomGroupSchema).default([]),
  })
  .prefault({});

export type WecomConfig = z.output<typeof wecomConfigSchema>;
export type WecomGroupConfig = z.output<typeof wecomGroupSchema>;
