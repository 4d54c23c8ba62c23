/**
 * The account's custom menu from the config (wechatOa.menu): a sub-menu of service items whose
 * clicks come back as CLICK events with `item:<id>` (the key the flows' item choice understands),
 * 转人工 (`handoff`, the flows' human request) and a link to the 办事指南.
 * WeChat limits (menu/create): ≤ 3 buttons, ≤ 5 sub-buttons, names ≤ 16 / 60 bytes, keys ≤ 128 bytes.
 */
import type { Config } from '../../src/config/config-types.ts';
import type { MenuButton } from './api-client.ts';

export const HANDOFF_KEY = 'handoff';
const SUB_BUTTON_NAME_BYTES = 60;
const KEY_BYTES = 128;

export type MenuResult = { ok: true; buttons: MenuButton[] } | { ok: false; errors: string[] };

export function buildMenu(config: Pick<Config, 'items' | 'wechatOa'>): MenuResult {
  const { menu } = config.wechatOa;
  const errors: string[] = [];
  const ids = menu.items ?? config.items.slice(0, 5).map((item) => item.id);
  const subButtons: MenuButton[] = [];
  ids.forEach((id, index) => {
    const item = config.items.find((candidate) => candidate.id === id);
    if (!item) {
      errors.push(`wechatOa.menu.items[${index}]: unknown service item '${id}'`);
      return;
    }
    const key = `item:${item.id}`;
    if (Buffer.byteLength(item.name, 'utf8') > SUB_BUTTON_NAME_BYTES)
      errors.push(
        `items: '${item.name}' is longer than ${SUB_BUTTON_NAME_BYTES} bytes, too long for a menu entry`,
      );
    if (Buffer.byteLength(key, 'utf8') > KEY_BYTES)
      errors.push(`items: id '${id}' is too long for a menu key`);
    subButtons.push({ type: 'click', name: item.name, key });
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    buttons: [
      { name: menu.itemsLabel, sub_button: subButtons },
      { type: 'click', name: menu.handoffLabel, key: HANDOFF_KEY },
      { type: 'view', name: menu.guide.label, url: menu.guide.url },
    ],
  };
}
