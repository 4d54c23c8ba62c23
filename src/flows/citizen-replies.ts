import type { ServiceItem } from '../config/config-types.ts';
import type { InboundMessage } from '../core/inbound.ts';

/** Reading what a citizen's short replies mean. Full-width digits are what phone keyboards often send. */

function normalise(text: string): string {
  return text
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[\s。.!！]/g, '')
    .toLowerCase();
}

const HUMAN_WORDS = new Set([
  '人工',
  '转人工',
  '人工服务',
  '人工客服',
  '找人工',
  '人工帮办',
  '我要人工',
  '转人工服务',
]);
const HUMAN_KEYS = new Set(['handoff', 'human', 'transfer_human']);

/** 转人工 typed or clicked. */
export function isHumanRequest(message: InboundMessage): boolean {
  if (message.kind === 'event') return message.key !== undefined && HUMAN_KEYS.has(message.key);
  if (message.kind !== 'text') return false;
  const text = normalise(message.text);
  return HUMAN_WORDS.has(text) || text.includes('转人工');
}

const SOLVED = new Set(['1', '已解决', '解决了', '解决', '已经解决', '满意', 'resolved:1']);
const NOT_SOLVED = new Set(['2', '没解决', '未解决', '没有解决', '不满意', 'resolved:2']);

/** An answer to “是否解决? 1 / 2”, or null when the message is something else. */
export function solvedAnswer(message: InboundMessage): boolean | null {
  const raw = message.kind === 'text' ? message.text : message.kind === 'event' ? (message.key ?? '') : '';
  const text = normalise(raw);
  if (SOLVED.has(text)) return true;
  if (NOT_SOLVED.has(text)) return false;
  return null;
}

/** The item a citizen picked: `item:<id>` (menu/button), its number in the list, or its name. */
export function chosenItem(message: InboundMessage, items: readonly ServiceItem[]): ServiceItem | undefined {
  const raw = message.kind === 'text' ? message.text : message.kind === 'event' ? (message.key ?? '') : '';
  const byKey = /^item:(.+)$/.exec(raw.trim());
  if (byKey) return items.find((item) => item.id === byKey[1]);
  const text = normalise(raw);
  if (/^\d+$/.test(text)) return items[Number(text) - 1];
  return items.find(
    (item) => text === normalise(item.name) || (text.length >= 4 && normalise(item.name).includes(text)),
  );
}

export function itemChoices(items: readonly ServiceItem[]): { key: string; label: string }[] {
  return items.map((item, index) => ({ key: `item:${item.id}`, label: `${index + 1} ${item.name}` }));
}
