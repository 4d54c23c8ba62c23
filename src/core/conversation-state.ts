/**
 * 帮办会话 state machine (ARCHITECTURE.md §5). Every transition is recorded as an append-only
 * event by the caller; this module only decides whether a transition is allowed.
 */

export type ConversationState =
  'bot' | 'queued' | 'assigned' | 'active' | 'resolved' | 'pushed_12345' | 'abandoned';

export const OPEN_STATES: readonly ConversationState[] = ['bot', 'queued', 'assigned', 'active'];
export const CLOSED_STATES: readonly ConversationState[] = ['resolved', 'pushed_12345', 'abandoned'];

/** What can happen to a conversation. */
export type ConversationTransition =
  | 'queue' // handoff requested, nobody free yet
  | 'assign' // a helper owns it (first assignment, claim, transfer or escalation)
  | 'first_response' // the first human message reached the citizen
  | 'resolve'
  | 'push_12345'
  | 'abandon'
  | 'return_to_queue' // a 12345 ticket came back (退单) or the assignee left
  | 'return_from_12345'; // 12345 returned (退单) the ticket: back to the helper who pushed it

const ALLOWED: Record<ConversationTransition, readonly ConversationState[]> = {
  queue: ['bot', 'assigned'],
  assign: ['bot', 'queued', 'assigned', 'active'],
  first_response: ['assigned'],
  resolve: ['bot', 'assigned', 'active'],
  push_12345: ['queued', 'assigned', 'active'],
  abandon: ['bot', 'queued', 'assigned', 'active'],
  return_to_queue: ['assigned', 'active', 'pushed_12345'],
  return_from_12345: ['pushed_12345'],
};

const TARGET: Record<ConversationTransition, ConversationState | null> = {
  queue: 'queued',
  assign: null, // keeps 'active' when a conversation that already had a human reply is reassigned
  first_response: 'active',
  resolve: 'resolved',
  push_12345: 'pushed_12345',
  abandon: 'abandoned',
  return_to_queue: 'queued',
  return_from_12345: 'assigned',
};

export type TransitionResult =
  | { ok: true; from: ConversationState; to: ConversationState }
  | { ok: false; from: ConversationState; reason: 'transition_not_allowed' };

export function nextState(from: ConversationState, transition: ConversationTransition): TransitionResult {
  if (!ALLOWED[transition].includes(from)) return { ok: false, from, reason: 'transition_not_allowed' };
  const target = TARGET[transition] ?? (from === 'active' ? 'active' : 'assigned');
  return { ok: true, from, to: target };
}

export function isOpen(state: ConversationState): boolean {
  return OPEN_STATES.includes(state);
}
