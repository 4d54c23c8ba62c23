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

/** The citizen's words as one line: text, recognised speech, or a placeholder for media. */
export function displayText(message: InboundMessage): string {
  const text = messageText(message);
  if (message.kind === 'event') return message.key ?? message.event;
  if (message.kind === 'file' && message.fileName) return `[文件] ${message.fileName}`;
  return text !== '' ? text : (PLACEHOLDER[message.kind] ?? '');
}

/** Appends the inbound message to the conversation's transcript; returns its id. */
export function storeCitizenMessage(
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
    body: displayText(message),
    mediaRef: 'mediaRef' in message ? message.mediaRef : null,
    externalId: message.externalId,
    createdAt: step.at,
  });
}
