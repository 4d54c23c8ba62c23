import type { ConversationSummary } from '../ports.ts';
import { summarize, summarizeOne } from './conversation-summary.ts';
import type { FlowContext } from './flow-context.ts';
import type { MessageView } from './types.ts';

const HUMAN_STATES = ['queued', 'assigned', 'active'] as const;
const MAX_TRANSCRIPT = 500;

/** Open conversations for the desk: a helper's own plus the queue they can claim, or all for supervisors. */
export async function listOpen(
  ctx: FlowContext,
  filter: { staffId?: string; all?: boolean },
): Promise<ConversationSummary[]> {
  const { conversations } = ctx.store;
  if (filter.all || filter.staffId === undefined)
    return summarize(ctx, ctx.store, await conversations.list({ states: HUMAN_STATES }));
  const [mine, waiting] = await Promise.all([
    conversations.list({ states: ['assigned', 'active'], assigneeId: filter.staffId }),
    conversations.list({ states: ['queued'], itemIds: ctx.org.itemsOnDuty(filter.staffId, ctx.clock.now()) }),
  ]);
  return summarize(ctx, ctx.store, [...mine, ...waiting]);
}

export async function getConversation(
  ctx: FlowContext,
  conversationId: string,
): Promise<ConversationSummary | null> {
  const row = await ctx.store.conversations.get(conversationId);
  return row ? summarizeOne(ctx, ctx.store, row) : null;
}

export async function transcript(
  ctx: FlowContext,
  conversationId: string,
  options: { afterId?: number; limit?: number } = {},
): Promise<MessageView[]> {
  const limit = Math.min(Math.max(1, options.limit ?? MAX_TRANSCRIPT), MAX_TRANSCRIPT);
  const rows = await ctx.store.messages.list(conversationId, {
    ...(options.afterId !== undefined ? { afterId: options.afterId } : {}),
    limit,
  });
  return rows.map(({ externalId: _externalId, ...view }) => view);
}
