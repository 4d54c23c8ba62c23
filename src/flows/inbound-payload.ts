import { AppError } from '../core/errors.ts';
import { CHANNELS, type InboundMessage } from '../core/inbound.ts';

// PostgreSQL text and jsonb take neither U+0000 nor an unpaired surrogate (a UTF-16 half with no
// partner, which JSON.stringify writes as a \udXXX escape).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` without U+0000 and with U+FFFD for unpaired surrogates; the same string when it has neither. */
export function storableText(text: string): string {
  const withoutNul = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(withoutNul) ? withoutNul.replace(LONE_SURROGATE, '\ufffd') : withoutNul;
}

/**
 * The message with every text field storable (see storableText). A client bug or a probe sending
 * a NUL would otherwise fail its inbox insert, and the batch it shares with other callbacks.
 */
export function storableMessage(message: InboundMessage): InboundMessage {
  let copy: Record<string, unknown> | undefined;
  const fields = message as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    const clean = storableText(value);
    if (clean !== value) (copy ??= { ...message })[key] = clean;
  }
  return (copy as InboundMessage | undefined) ?? message;
}

/** The inbox stores the message as JSON; `sentAt` is the only field that is not JSON-native. */
export function toPayload(message: InboundMessage): Record<string, unknown> {
  return { ...message, ...(message.sentAt ? { sentAt: message.sentAt.toISOString() } : {}) };
}

export function fromPayload(payload: unknown): InboundMessage {
  const raw = payload as Record<string, unknown>;
  const message = { ...raw } as unknown as InboundMessage;
  if (typeof raw.sentAt === 'string') message.sentAt = new Date(raw.sentAt);
  return message;
}

/** Adapters build these; a bad one is a bug in the adapter, reported with the field at fault. */
export function checkInbound(message: InboundMessage): void {
  const bad = (field: string, reason: string): never => {
    throw new AppError('validation_failed', `inbound message: ${field} ${reason}`, { details: { field } });
  };
  if (!CHANNELS.includes(message.channel))
    bad('channel', `'${String(message.channel)}' is not a known channel`);
  if (typeof message.externalId !== 'string' || message.externalId.trim() === '')
    bad('externalId', 'must be a non-empty string');
  if (typeof message.channelUserId !== 'string' || message.channelUserId.trim() === '')
    bad('channelUserId', 'must be a non-empty string');
  if (message.senderRole !== 'citizen' && message.senderRole !== 'staff')
    bad('senderRole', "must be 'citizen' or 'staff'");
}
