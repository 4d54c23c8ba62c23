import type { InboundMessage } from '../core/inbound.ts';
import { scheduleIdleCheck } from './abandon-idle.ts';
import { botTurn } from './bot-turn.ts';
import { NOT_RESOLVED_REOPEN, RESOLVED_THANKS } from './citizen-texts.ts';
import { isHumanRequest, solvedAnswer } from './citizen-replies.ts';
import { recordEvent, sayToCitizen, type Actor } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { handOff, startHumanHelp } from './handoff.ts';
import { findOrOpenConversation } from './open-conversation.ts';
import type { ConversationRow } from './repositories.ts';
import { displayText, storeCitizenMessage } from './store-citizen-message.ts';

/** How long after /resolve a bare “1” or “2” still answers “是否解决?”. */
const FEEDBACK_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A citizen's message: continue or open their conversation, then the bot or the helper takes it. */
export async function handleCitizenMessage(
  ctx: FlowContext,
  step: Step,
  message: InboundMessage,
): Promise<void> {
  if (message.kind === 'event' && (message.event === 'unsubscribe' || message.event === 'other')) return;
  const open = await step.tx.conversations.lockOpenForCitizen(message.channel, message.channelUserId);
  if (!open && (await answerPendingPrompt(ctx, step, message))) return;
  const { conversation, created } = open
    ? { conversation: open, created: false }
    : await findOrOpenConversation(ctx, step, message.channel, message.channelUserId, null, {
        justLooked: true,
      });
  const messageId = await storeCitizenMessage(ctx.config.items, step, conversation, message);
  if (conversation.state === 'bot') {
    // The idle check matters only while the bot has the conversation: 转人工 with a known item
    // hands it off at once (an unknown item keeps it with the bot, asking which one).
    const handsOff = isHumanRequest(message) && ctx.org.item(conversation.itemId) !== undefined;
    if (!handsOff) await scheduleIdleCheck(ctx, step, conversation);
    await botTurn(ctx, step, conversation, message, created);
    return;
  }
  if (isHumanRequest(message)) {
    await handOff(
      ctx,
      step,
      conversation,
      { kind: 'citizen', id: conversation.citizenUserId },
      'citizen_request',
    );
    return;
  }
  // With a human (or waiting for one): relay to the assignee; a queued message waits in the transcript.
  if (conversation.assigneeId && message.kind !== 'event') {
    const summary = await summarizeOne(ctx, step.tx, conversation);
    step.fx.toStaff(conversation.assigneeId, {
      type: 'citizen_message',
      conversation: summary,
      text: displayText(message, ctx.config.items),
      messageId,
    });
  }
}

/**
 * The answer to “是否解决? 1 / 2” after /resolve, recorded on the closed conversation for the
 * resolution rate. “2” also opens a new conversation straight to a human for the same item.
 * Returns false when the message is not such an answer (it then starts a conversation as usual).
 */
async function answerPendingPrompt(ctx: FlowContext, step: Step, message: InboundMessage): Promise<boolean> {
  const prompt = await step.tx.prompts.take(message.channel, message.channelUserId);
  if (!prompt || step.at.getTime() - prompt.askedAt.getTime() > FEEDBACK_WINDOW_MS) return false;
  const solved = solvedAnswer(message);
  if (solved === null) return false;
  const closed = await step.tx.conversations.lock(prompt.conversationId);
  if (!closed) return false;
  const citizen: Actor = { kind: 'citizen', id: message.channelUserId };
  await storeCitizenMessage(ctx.config.items, step, closed, message);
  await recordEvent(step, closed.id, 'resolution_feedback', citizen, {
    solved,
    answer: displayText(message, ctx.config.items),
  });
  if (solved) {
    await sayToCitizen(step, closed, RESOLVED_THANKS, { senderKind: 'system' });
    return true;
  }
  await reopenForHuman(ctx, step, closed, message);
  return true;
}

async function reopenForHuman(
  ctx: FlowContext,
  step: Step,
  previous: ConversationRow,
  message: InboundMessage,
): Promise<void> {
  const { conversation } = await findOrOpenConversation(
    ctx,
    step,
    message.channel,
    message.channelUserId,
    previous.itemId,
  );
  await recordEvent(
    step,
    conversation.id,
    'reopened',
    { kind: 'citizen', id: message.channelUserId },
    { previousConversationId: previous.id },
  );
  await sayToCitizen(step, conversation, NOT_RESOLVED_REOPEN, { senderKind: 'system' });
  if (conversation.itemId) await startHumanHelp(ctx, step, conversation, 'not_resolved');
  else await handOff(ctx, step, conversation, { kind: 'citizen', id: message.channelUserId }, 'not_resolved');
}
