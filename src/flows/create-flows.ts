import { claimById } from './claim-conversation.ts';
import { getConversation, listOpen, transcript } from './desk-queries.ts';
import type { FlowDeps } from './flow-deps.ts';
import { createFlowContext, inTransaction } from './flow-context.ts';
import { registerHotlineTimers } from './hotline-auto-push.ts';
import { createHotlineFlows } from './hotline-flows.ts';
import { InboundDoor, senderKey } from './inbound-door.ts';
import { registerFlowTimers } from './register-timers.ts';
import { runStaffInput } from './staff-input.ts';
import type { Flows } from './types.ts';

const RECOVERY_BATCH = 500;

/**
 * The helper flow (issue 4): one door for inbound messages, the conversation state machine,
 * assignment, SLA timers (registered on deps.timers), relay and staff commands.
 */
export function createFlows(deps: FlowDeps): Flows {
  const ctx = createFlowContext(deps);
  const door = new InboundDoor(ctx);
  registerFlowTimers(ctx, deps.timers);
  registerHotlineTimers(ctx, deps.timers);

  return {
    async receive(message) {
      const stored = await door.store(message);
      if (stored.duplicate) return stored;
      return { ...stored, processed: door.process(stored.inboxId, senderKey(message)) };
    },
    async handleInbound(message) {
      const stored = await door.store(message);
      if (!stored.duplicate) await door.process(stored.inboxId, senderKey(message));
      return stored;
    },
    staffInput: (input) => inTransaction(ctx, (step) => runStaffInput(ctx, step, input)),
    claim: (staffId, conversationId) =>
      inTransaction(ctx, (step) => claimById(ctx, step, staffId, conversationId)),
    listOpen: (filter) => listOpen(ctx, filter),
    getConversation: (conversationId) => getConversation(ctx, conversationId),
    transcript: (conversationId, options) => transcript(ctx, conversationId, options),
    recoverInbox: (options) => door.recover(options?.limit ?? RECOVERY_BATCH),
    idle: () => door.idle(),
    hotline: createHotlineFlows(ctx),
  };
}
