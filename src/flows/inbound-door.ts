import type { InboundMessage } from '../core/inbound.ts';
import { inTransaction, type FlowContext } from './flow-context.ts';
import { handleCitizenMessage } from './handle-citizen-message.ts';
import { handleStaffMessage } from './handle-staff-message.ts';
import { checkInbound, fromPayload, storableMessage, toPayload } from './inbound-payload.ts';
import type { ReceiveResult } from './types.ts';

/**
 * The one door (ARCHITECTURE.md §4): store in the inbox (deduped on channel + externalId), then
 * process from the stored row. Processing locks the row and marks it processed in the same
 * transaction as its effects, so a row is processed once even if two processes race for it.
 */
export class InboundDoor {
  readonly #ctx: FlowContext;
  readonly #inFlight = new Set<Promise<void>>();
  /** Per sender, in this process: their messages are handled in arrival order. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(ctx: FlowContext) {
    this.#ctx = ctx;
  }

  async store(received: InboundMessage): Promise<ReceiveResult> {
    // Checked after cleaning, so an id that was nothing but NULs is refused like an empty one.
    const message = storableMessage(received);
    checkInbound(message);
    const { id, duplicate } = await this.#ctx.store.inbox.insert({
      channel: message.channel,
      externalId: message.externalId,
      payload: toPayload(message),
      at: this.#ctx.clock.now(),
    });
    return duplicate
      ? { ok: true, duplicate: true, inboxId: id }
      : { ok: true, duplicate: false, inboxId: id };
  }

  /** Processes one stored row, after earlier messages of the same sender; never throws. */
  process(inboxId: number, senderKey: string): Promise<void> {
    const previous = this.#chains.get(senderKey) ?? Promise.resolve();
    const run = previous.then(() => this.#processRow(inboxId));
    this.#chains.set(senderKey, run);
    this.#inFlight.add(run);
    void run.finally(() => {
      this.#inFlight.delete(run);
      if (this.#chains.get(senderKey) === run) this.#chains.delete(senderKey);
    });
    return run;
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async recover(limit: number): Promise<number> {
    const ids = await this.#ctx.store.inbox.unprocessedIds(limit);
    for (const id of ids) await this.process(id, `recover:${id}`);
    return ids.length;
  }

  async #processRow(inboxId: number): Promise<void> {
    const ctx = this.#ctx;
    try {
      await inTransaction(ctx, async (step) => {
        // Marked processed first: the mark commits with what the processing writes, or not at all.
        const row = await step.tx.inbox.takeUnprocessed(inboxId, step.at);
        if (!row) return; // processed already (a racing process, or recovery after success)
        const message = fromPayload(row.payload);
        if (message.senderRole === 'staff') await handleStaffMessage(ctx, step, message);
        else await handleCitizenMessage(ctx, step, message);
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.logger.error({ inboxId, err: reason }, 'processing an inbound message failed');
      await ctx.store.inbox.recordError(inboxId, reason).catch(() => undefined);
    }
  }
}

export const senderKey = (message: InboundMessage): string => `${message.channel}:${message.channelUserId}`;
