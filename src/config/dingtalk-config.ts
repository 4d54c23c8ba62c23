import { z } from 'zod';

/*
 * The DingTalk slice of config/default.yaml (adapters/dingtalk). Only what is not secret lives
 * here: which item goes to which DingTalk group. The custom group robot's webhook URL (it carries
 * the robot's access_token) and its 加签 secret are secrets, so the config names the environment
 * variables that hold them; their values are read from the environment only.
 *
 *   dingtalk:
 *     groups:
 *       - item: preparation-registration
 *         openConversationId: cidXXXX==            # groupMessages/send through the app robot
 *         robotWebhookEnv: DINGTALK_ROBOT_WEBHOOK_PREP  # https://oapi.dingtalk.com/robot/send?access_token=…
 *         robotSecretEnv: DINGTALK_ROBOT_SECRET_PREP    # SEC…
 */

const envName = z
  .string({ error: 'expected the name of an environment variable' })
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name (A-Z, 0-9, _)' });

const itemId = z
  .string({ error: 'expected an item id' })
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'expected an id of lowercase letters, digits, - or _' });

export const dingtalkGroupSchema = z.strictObject({
  item: itemId,
  /** The group's openConversationId (`cid…`), for the app robot's groupMessages/send. */
  openConversationId: z.string().trim().min(1).optional(),
  /** Environment variable holding the custom group robot's webhook URL. */
  robotWebhookEnv: envName.optional(),
  /** Environment variable holding that robot's 加签 secret (`SEC…`). */
  robotSecretEnv: envName.optional(),
});

export const dingtalkConfigSchema = z
  .strictObject({
    groups: z.array(dingtalkGroupSchema).default([]),
  })
  .prefault({});

export type DingtalkConfig = z.output<typeof dingtalkConfigSchema>;
export type DingtalkGroupConfig = z.output<typeof dingtalkGroupSchema>;
