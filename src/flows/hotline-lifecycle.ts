/**
 * The 12345 ticket life cycle (pure): pending → sent → accepted (签收) → in_progress → closed (办结)
 * | returned (退单) | failed (dead letter). Callbacks may skip steps (a ticket can be accepted before
 * our "sent" was recorded, when the create response was lost) but never go back.
 */
import type { CallbackStatus, HotlineTicketStatus } from './hotline-types.ts';

const RANK: Record<HotlineTicketStatus, number> = {
  pending: 0,
  failed: 0,
  sent: 1,
  accepted: 2,
  in_progress: 3,
  closed: 4,
  returned: 4,
};

export type CallbackDecision = { apply: true } | { apply: false; why: 'same' | 'out_of_order' };

/**
 * Whether a status callback moves the ticket forward. A `failed` ticket still takes callbacks:
 * when responses were lost 12345 may have created it after all, and its word wins.
 */
export function decideCallback(current: HotlineTicketStatus, next: CallbackStatus): CallbackDecision {
  if (current === next) return { apply: false, why: 'same' };
  if (RANK[next] > RANK[current]) return { apply: true };
  return { apply: false, why: 'out_of_order' };
}

/** Statuses after which 12345 has the ticket (no more delivery attempts). */
export function isDelivered(status: HotlineTicketStatus): boolean {
  return RANK[status] >= 1;
}

/** `BB-20261127-K7Q2-1`: prefix, Shanghai date of the push, conversation code, push number. */
export function agencyTicketNo(prefix: string, shanghaiDate: string, code: string, sequence: number): string {
  return `${prefix}-${shanghaiDate.replaceAll('-', '')}-${code}-${sequence}`;
}
