/** Flows.hotline: the 12345 gateway's door into the flows (see hotline-types.ts HotlineFlows). */
import { inTransaction, type FlowContext } from './flow-context.ts';
import { armAutoPush } from './hotline-auto-push.ts';
import { dispatchRate } from './hotline-dispatch-rate.ts';
import {
  applyStatus,
  park,
  recordAttemptFailed,
  recordFailed,
  recordSent,
  ticketForDelivery,
} from './hotline-status.ts';
import type { HotlineFlows } from './hotline-types.ts';

export function createHotlineFlows(ctx: FlowContext): HotlineFlows {
  return {
    ticketForDelivery: (payload) => inTransaction(ctx, (step) => ticketForDelivery(ctx, step, payload)),
    recordSent: (ticketNo, result) => inTransaction(ctx, (step) => recordSent(ctx, step, ticketNo, result)),
    recordAttemptFailed: (ticketNo, failure) =>
      inTransaction(ctx, (step) => recordAttemptFailed(step, ticketNo, failure)),
    recordFailed: (ticketNo, failure) =>
      inTransaction(ctx, (step) => recordFailed(ctx, step, ticketNo, failure)),
    park: (ticketNo) => inTransaction(ctx, (step) => park(ctx, step, ticketNo)),
    applyStatus: (update) => inTransaction(ctx, (step) => applyStatus(ctx, step, update)),
    dispatchRate: (range, options) => dispatchRate(ctx, range, options),
    armAutoPush: () => armAutoPush(ctx),
  };
}
