import type { ConversationSummary } from '../ports.ts';
import type { FlowContext } from './flow-context.ts';
import type { ConversationRow, FlowRepositories } from './repositories.ts';

const PREVIEW_LENGTH = 60;

/** Conversations as staff see them, with item name, SLA deadline and a preview of the citizen's last words. */
export async function summarize(
  ctx: FlowContext,
  repos: FlowRepositories,
  rows: readonly ConversationRow[],
): Promise<ConversationSummary[]> {
  const ids = rows.map((row) => row.id);
  // In turn: inside a transaction both go over the same connection.
  const flows = await repos.flowState.getMany(ids);
  const previews = await repos.messages.latestCitizenTexts(ids);
  return rows.map((row) => {
    const preview = previews.get(row.id) ?? '';
    return {
      id: row.id,
      code: row.code,
      channel: row.channel,
      itemId: row.itemId,
      itemName: ctx.org.item(row.itemId)?.name ?? null,
      state: row.state,
      assigneeId: row.assigneeId,
      assigneeName: row.assigneeId ? (ctx.org.staff(row.assigneeId)?.name ?? row.assigneeId) : null,
      createdAt: row.createdAt,
      handoffAt: row.handoffAt,
      slaDueAt: row.firstHumanResponseAt ? null : (flows.get(row.id)?.slaDueAt ?? null),
      firstHumanResponseAt: row.firstHumanResponseAt,
      preview: preview.length > PREVIEW_LENGTH ? `${preview.slice(0, PREVIEW_LENGTH)}…` : preview,
    };
  });
}

export async function summarizeOne(
  ctx: FlowContext,
  repos: FlowRepositories,
  row: ConversationRow,
): Promise<ConversationSummary> {
  const [summary] = await summarize(ctx, repos, [row]);
  return summary!;
}
