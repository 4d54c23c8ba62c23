import type { ServiceItem } from '../config/config-types.ts';
import { messageText, type InboundMessage } from '../core/inbound.ts';
import { ASK_ITEM, BOT_SOLVED, MEDIA_TO_HUMAN, WELCOME } from './citizen-texts.ts';
import { chosenItem, isHumanRequest, itemChoices, solvedAnswer } from './citizen-replies.ts';
import { BOT, recordEvent, sayToCitizen, transition, type Actor } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { handOff, startHumanHelp } from './handoff.ts';
import type { KbGapReason } from '../ports.ts';
import type { ConversationRow } from './repositories.ts';

const MEDIA_KINDS = new Set(['image', 'video', 'file']);

/**
 * Handoffs that mean the KB lacks an answer (R-kb-gap). Not `needs_confirmation` (the entry exists;
 * its fact awaits checking) nor `empty_question`; `out_of_scope` without a referral entry counts,
 * so maintainers see which other agencies' questions deserve a referral entry.
 */
const GAP_REASONS = new Set(['low_confidence', 'ambiguous', 'out_of_scope']);

/** 小申's turn in a conversation still with the bot. */
export async function botTurn(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  message: InboundMessage,
  created: boolean,
): Promise<void> {
  const citizen: Actor = { kind: 'citizen', id: conversation.citizenUserId };
  const flow = await step.tx.flowState.get(conversation.id);
  if (isHumanRequest(message)) {
    await handOff(ctx, step, conversation, citizen, 'citizen_request');
    return;
  }
  const picked = chosenItem(message, ctx.org.items);
  if (picked && (flow.awaiting === 'item_choice' || message.kind === 'event')) {
    await onItemChosen(ctx, step, conversation, picked, flow.awaiting === 'item_choice');
    return;
  }
  if (flow.awaiting === 'item_choice') {
    await sayToCitizen(step, conversation, ASK_ITEM, {
      senderKind: 'bot',
      choices: itemChoices(ctx.org.items),
    });
    return;
  }
  if (message.kind === 'event') {
    if (created) await sayToCitizen(step, conversation, WELCOME, { senderKind: 'bot' });
    return;
  }
  if (flow.awaiting === 'bot_feedback') {
    const solved = solvedAnswer(message);
    if (solved !== null) {
      await onBotFeedback(ctx, step, conversation, citizen, solved, flow.botEntryId);
      return;
    }
  }
  if (MEDIA_KINDS.has(message.kind)) {
    await sayToCitizen(step, conversation, MEDIA_TO_HUMAN, { senderKind: 'bot' });
    await handOff(ctx, step, conversation, citizen, 'media');
    return;
  }
  await answerQuestion(ctx, step, conversation, messageText(message));
}

async function answerQuestion(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  question: string,
): Promise<void> {
  const decision = await ctx.kb.answer(question, {
    ...(conversation.itemId ? { item: conversation.itemId } : {}),
    channel: conversation.channel,
  });
  if (decision.decision === 'handoff' && decision.reason === 'out_of_scope' && decision.entry?.answer) {
    // Another agency's business: a helper here could only repeat the referral, so say where to go.
    await sayToCitizen(step, conversation, decision.entry.answer, { senderKind: 'bot' });
    await recordEvent(step, conversation.id, 'bot_referred', BOT, { entryId: decision.entry.id });
    return;
  }
  if (decision.decision === 'handoff') {
    await recordEvent(step, conversation.id, 'bot_handoff', BOT, { reason: decision.reason });
    if (GAP_REASONS.has(decision.reason)) {
      step.fx.toGapBacklog({
        question,
        item: conversation.itemId,
        conversationId: conversation.id,
        reason: decision.reason as KbGapReason,
      });
    }
    await step.tx.flowState.save(conversation.id, { awaiting: null, botEntryId: null }, step.at);
    await handOff(ctx, step, conversation, BOT, `kb_${decision.reason}`);
    return;
  }
  const item = ctx.org.item(decision.entry.item);
  let current = conversation;
  if (!conversation.itemId && item) {
    await step.tx.conversations.update(conversation.id, { itemId: item.id }, step.at);
    await recordEvent(step, conversation.id, 'item_classified', BOT, {
      itemId: item.id,
      via: 'kb',
      entryId: decision.entry.id,
    });
    current = { ...conversation, itemId: item.id };
  }
  await sayToCitizen(step, current, decision.text, { senderKind: 'bot' });
  await recordEvent(step, conversation.id, 'bot_answered', BOT, {
    question,
    entryId: decision.entry.id,
    score: decision.score,
    itemId: current.itemId,
  });
  await step.tx.flowState.save(
    conversation.id,
    { awaiting: 'bot_feedback', botEntryId: decision.entry.id },
    step.at,
  );
}

/** “1 已解决” closes the conversation as bot-solved; “2 没解决” hands off. */
async function onBotFeedback(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  citizen: Actor,
  solved: boolean,
  entryId: string | null,
): Promise<void> {
  await step.tx.flowState.save(conversation.id, { awaiting: null }, step.at);
  if (!solved) {
    await recordEvent(step, conversation.id, 'bot_not_solved', citizen, { entryId });
    const answered = (await step.tx.events.list(conversation.id))
      .filter((e) => e.type === 'bot_answered')
      .at(-1);
    const question = answered?.data['question'];
    if (typeof question === 'string' && question.trim() !== '') {
      step.fx.toGapBacklog({
        question,
        item: conversation.itemId,
        conversationId: conversation.id,
        reason: 'not_solved',
      });
    }
    await handOff(ctx, step, conversation, citizen, 'bot_not_solved');
    return;
  }
  await recordEvent(step, conversation.id, 'bot_solved', citizen, { entryId });
  const closed = await transition(step, conversation, 'resolve', BOT, { by: 'bot' });
  await sayToCitizen(step, closed.ok ? closed.conversation : conversation, BOT_SOLVED, { senderKind: 'bot' });
}

/** A menu choice or the answer to “which item?”: classify, and hand off if the citizen was waiting for a human. */
async function onItemChosen(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  item: ServiceItem,
  handoffPending: boolean,
): Promise<void> {
  await step.tx.conversations.update(conversation.id, { itemId: item.id }, step.at);
  await recordEvent(
    step,
    conversation.id,
    'item_chosen',
    { kind: 'citizen', id: conversation.citizenUserId },
    { itemId: item.id },
  );
  const chosen = { ...conversation, itemId: item.id };
  if (!handoffPending) {
    await sayToCitizen(step, chosen, `您选择了“${item.name}”，请描述您的问题；需要人工帮办请回复“转人工”。`, {
      senderKind: 'bot',
    });
    return;
  }
  const events = await step.tx.events.list(conversation.id);
  const request = events.filter((event) => event.type === 'handoff_requested').at(-1);
  await startHumanHelp(
    ctx,
    step,
    chosen,
    typeof request?.data.reason === 'string' ? request.data.reason : 'citizen_request',
  );
}
