import { nextState, type ConversationTransition } from '../core/conversation-state.ts';
import type { CitizenAddress, OutboundMessage } from '../ports.ts';
import type { Step } from './flow-context.ts';
import type { ConversationPatch, ConversationRow, SenderKind } from './repositories.ts';

/** Who did something: the citizen, 小申 (bot), a staff member, or bangban itself (system). */
export interface Actor {
  kind: SenderKind;
  id?: string;
}

export const BOT: Actor = { kind: 'bot' };
export const SYSTEM: Actor = { kind: 'system' };
export const staffActor = (staffId: string): Actor => ({ kind: 'staff', id: staffId });

/** Appends one audit event (conversation_events) in the step's transaction. */
export async function recordEvent(
  step: Step,
  conversationId: string,
  type: string,
  actor: Actor,
  data: Record<string, unknown> = {},
): Promise<void> {
  await step.tx.events.append({
    conversationId,
    type,
    actorKind: actor.kind,
    actorId: actor.id ?? null,
    data,
    at: step.at,
  });
}

/** Event type written for each transition: the state it leads to, in words. */
const EVENT_OF: Record<ConversationTransition, string> = {
  queue: 'queued',
  assign: 'assigned',
  first_response: 'first_response',
  resolve: 'resolved',
  push_12345: 'pushed_12345',
  abandon: 'abandoned',
  return_to_queue: 'returned_to_queue',
  return_from_12345: 'returned_from_12345',
};

export type Transitioned =
  { ok: true; conversation: ConversationRow } | { ok: false; reason: 'transition_not_allowed' };

/**
 * Moves the conversation (already row-locked) through the state machine and appends its event in
 * the same transaction; `patch` carries the columns that change with it.
 */
export async function transition(
  step: Step,
  conversation: ConversationRow,
  what: ConversationTransition,
  actor: Actor,
  data: Record<string, unknown> = {},
  patch: ConversationPatch = {},
): Promise<Transitioned> {
  const result = nextState(conversation.state, what);
  if (!result.ok) return { ok: false, reason: 'transition_not_allowed' };
  const closing = what === 'resolve' || what === 'push_12345' || what === 'abandon';
  const change: ConversationPatch = { ...patch, state: result.to, ...(closing ? { closedAt: step.at } : {}) };
  await step.tx.conversations.update(conversation.id, change, step.at);
  await recordEvent(step, conversation.id, EVENT_OF[what], actor, {
    from: result.from,
    to: result.to,
    ...data,
  });
  return { ok: true, conversation: { ...conversation, ...change, updatedAt: step.at } };
}

export function addressOf(conversation: ConversationRow): CitizenAddress {
  return {
    channel: conversation.channel,
    citizenUserId: conversation.citizenUserId,
    conversationId: conversation.id,
  };
}

/** Writes the outgoing transcript line and queues the send for after commit. */
export async function sayToCitizen(
  step: Step,
  conversation: ConversationRow,
  text: string,
  from: {
    senderKind: 'bot' | 'staff' | 'system';
    staffId?: string;
    choices?: { key: string; label: string }[];
  } = { senderKind: 'bot' },
): Promise<number> {
  const messageId = await step.tx.messages.insert({
    conversationId: conversation.id,
    direction: 'out',
    senderKind: from.senderKind,
    staffId: from.staffId ?? null,
    kind: 'text',
    body: text,
    mediaRef: null,
    externalId: null,
    createdAt: step.at,
  });
  const message: OutboundMessage = from.choices
    ? { kind: 'text', text, choices: from.choices }
    : { kind: 'text', text };
  step.fx.toCitizen(addressOf(conversation), message);
  return messageId;
}
