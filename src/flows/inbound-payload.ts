import { AppError } from '../core/errors.ts';
import { CHANNELS, type InboundMessage } from '../core/inbound.ts';
import { storableText } from '../core/storable-text.ts';

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
