import type { Channel } from '../core/inbound.ts';
import { AppError } from '../core/errors.ts';
import { codeLengthForAttempt } from './conversation-code.ts';
import { recordEvent } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';

const MAX_ATTEMPTS = 9;

/**
 * The citizen's open conversation (row-locked), or a new one. The one-open-per-citizen index
 * decides races: a concurrent creator wins, and this call then continues the winner's conversation.
 */
export async function findOrOpenConversation(
  ctx: FlowContext,
  step: Step,
  channel: Channel,
  citizenUserId: string,
  itemId: string | null = null,
  options: { justLooked?: boolean } = {},
): Promise<{ conversation: ConversationRow; created: boolean }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    // `justLooked`: the caller found none a moment ago in this transaction; no need to ask again.
    if (attempt > 0 || !options.justLooked) {
      const open = await step.tx.conversations.lockOpenForCitizen(channel, citizenUserId);
      if (open) return { conversation: open, created: false };
    }
    const created = await step.tx.conversations.create({
      id: ctx.ids.conversationId(),
      code: ctx.ids.code(codeLengthForAttempt(attempt)),
      channel,
      citizenUserId,
      itemId,
      at: step.at,
    });
    if (created) {
      await recordEvent(
        step,
        created.id,
        'created',
        { kind: 'citizen', id: citizenUserId },
        { channel, itemId },
      );
      return { conversation: created, created: true };
    }
    // Not created and nobody else's open conversation either: the code was taken; try another.
  }
  throw new AppError(
    'conflict',
    `could not open a conversation for ${channel} user after ${MAX_ATTEMPTS} attempts`,
  );
}
