/**
 * The `wechatOa` slice of the config file: what the WeChat Official Account (公众号) shows citizens
 * — its menu and the hint after a subscribe — and how long a callback waits for a passive reply.
 * Secrets (AppSecret, Token, EncodingAESKey) are environment variables, never here.
 */
import { z } from 'zod';

/** WeChat allows 5 entries in a sub-menu (protocols §6, custom menu). */
export const MAX_MENU_ITEMS = 5;

const label = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .refine((value) => Buffer.byteLength(value, 'utf8') <= max, {
      error: `at most ${max} bytes (WeChat menu limit; a Chinese character takes 3)`,
    });

const itemId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, { error: 'expected a service item id' });

export const wechatOaConfigSchema = z
  .strictObject({
    menu: z
      .strictObject({
        /** Top-level button opening the sub-menu of service items. */
        itemsLabel: label(16).default('咨询事项'),
        /** Which items the sub-menu lists, in order; default: the first five of `items`. */
        items: z.array(itemId).min(1).max(MAX_MENU_ITEMS).optional(),
        handoffLabel: label(16).default('转人工'),
        guide: z
          .strictObject({
            label: label(16).default('办事指南'),
            url: z
              .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
              .max(1000)
              .default('https://zwdt.sh.gov.cn/govPortals/index.do'),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Added to the welcome after a subscribe. */
    subscribeHint: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .default('您可点击下方菜单“咨询事项”选择要办理的事项，或直接输入问题；需要人工帮办请点击“转人工”。'),
    /**
     * How long a callback waits for the bot's answer to send it as the passive reply. WeChat drops
     * the request after 5 s and retries (protocols §6.4), so this stays well below.
     */
    replyWaitMs: z.int().min(0).max(4500).default(4000),
  })
  .prefault({});

export type WechatOaConfig = z.output<typeof wechatOaConfigSchema>;
