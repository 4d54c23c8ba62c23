/**
 * The surface the HTTP routes (webchat, desk) and channel adapters call. Implemented by
 * `createFlows(deps)` in src/flows/create-flows.ts; adapters depend on this type only.
 */
import type { InboundMessage } from '../core/inbound.ts';
import type { ConversationSummary } from '../ports.ts';
import type { HotlineFlows } from './hotline-types.ts';

export type ReceiveResult =
  | {
      ok: true;
      duplicate: false;
      inboxId: number;
      /** From `receive`: settles when this message has been processed and its replies sent. */
      processed?: Promise<void>;
    }
  | { ok: true; duplicate: true; inboxId: number };

export type ClaimResult =
  { ok: true; conversation: ConversationSummary } | { ok: false; reason: ClaimFailure };

/** `not_waiting`: still with the bot (no handoff yet), so there is nothing to claim. */
export type ClaimFailure =
  'not_found' | 'already_claimed' | 'closed' | 'not_on_duty' | 'at_capacity' | 'not_waiting';

export type StaffInputResult =
  | { ok: true; action: string; conversationId?: string }
  | {
      ok: false;
      reason:
        | 'usage'
        | 'no_current_conversation'
        | 'not_owner'
        | 'not_found'
        | 'unknown_staff'
        | 'staff_off_duty'
        | 'closed'
        | 'transition_not_allowed'
        // From 接单 (see ClaimResult):
        | 'already_claimed'
        | 'not_on_duty'
        | 'at_capacity'
        | 'not_waiting';
      message: string;
    };

/** One line of a transcript as the desk and the widget show it. */
export interface MessageView {
  id: number;
  conversationId: string;
  direction: 'in' | 'out';
  senderKind: 'citizen' | 'bot' | 'staff' | 'system';
  staffId: string | null;
  kind: string;
  body: string;
  mediaRef: string | null;
  createdAt: Date;
}

export interface Flows {
  /**
   * Stores the message in the inbox (unique channel + externalId) and returns; processing runs from
   * the stored row right after (awaited by `handleInbound`, in the background by `receive`).
   */
  receive(message: InboundMessage): Promise<ReceiveResult>;
  /** receive + process, for channels that can wait (webchat, tests). */
  handleInbound(message: InboundMessage): Promise<ReceiveResult>;
  /** A staff member's typed line: a command or a reply (ARCHITECTURE.md §4 commands). */
  staffInput(input: { staffId: string; text: string; conversationId?: string }): Promise<StaffInputResult>;
  claim(staffId: string, conversationId: string): Promise<ClaimResult>;
  /** Open conversations: a helper's own (and claimable ones for their items), or all for supervisors. */
  listOpen(filter: { staffId?: string; all?: boolean }): Promise<ConversationSummary[]>;
  getConversation(conversationId: string): Promise<ConversationSummary | null>;
  transcript(conversationId: string, options?: { afterId?: number; limit?: number }): Promise<MessageView[]>;
  /**
   * Processes inbox rows stored but never processed (a crash between ack and processing); call
   * at start. Resolves with how many rows it processed.
   */
  recoverInbox(options?: { limit?: number }): Promise<number>;
  /** Resolves when the background processing `receive` started has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** 12345 tickets: what the hotline gateway calls (createFlows always sets it; fakes may omit it). */
  hotline?: HotlineFlows;
}
