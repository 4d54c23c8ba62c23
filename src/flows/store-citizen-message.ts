import type { ServiceItem } from '../config/config-types.ts';
import { messageText, type InboundMessage } from '../core/inbound.ts';
import type { Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';

/** What staff see for a message without text. */
const PLACEHOLDER: Record<string, string> = {
  image: '[图片]',
  voice: '[语音]',
  video: '[视频]',
  file: '[文件]',
  location: '[位置]',
};

/** Buttons send keys (`item:<id>`, `resolved:1` …); staff read what the citizen clicked instead. */
const CHOICE_LABELS: Record<string, string> = {
  'resolved:1': '1 已解决',
  'resolved:2': '2 未解决',
  handoff: '转人工',
  human: '转人工',
  transfer_human: '转人工',
};

function choiceLabel(key: string, items: readonly ServiceItem[]): string | undefined {
  const item = /^item:(.+)$/.exec(key);
  if (item) {
    const name = items.find((i) => i.id === item[1])?.name;
    return name ? `[选择事项] ${name}` : undefined;
  }
  return CHOICE_LABELS[key];
}

/** The citizen's words as one line: text, recognised speech, a clicked choice, or a media placeholder. */
export function displayText(message: InboundMessage, items: readonly ServiceItem[]): string {
  const text = messageText(message);
  if (message.kind === 'event') {
    const key = message.key ?? message.event;
    return choiceLabel(key, items) ?? key;
  }
  if (message.kind === 'file' && message.fileName) return `[文件] ${message.fileName}`;
  if (message.kind === 'text') return choiceLabel(text.trim(), items) ?? text;
  return text !== '' ? text : (PLACEHOLDER[message.kind] ?? '');
}

/** Appends the inbound message to the conversation's transcript; returns its id. */
export function storeCitizenMessage(
  items: readonly ServiceItem[],
  step: Step,
  conversation: ConversationRow,
  message: InboundMessage,
): Promise<number> {
  return step.tx.messages.insert({
    conversationId: conversation.id,
    direction: 'in',
    senderKind: 'citizen',
    staffId: null,
    kind: message.kind,
    body: displayText(message, items),
    mediaRef: 'mediaRef' in message ? message.mediaRef : null,
    externalId: message.externalId,
    createdAt: step.at,
  });
}
