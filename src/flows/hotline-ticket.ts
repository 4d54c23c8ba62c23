import { shanghaiDateOf } from '../core/calendar.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { agencyTicketNo } from './hotline-lifecycle.ts';
import type { HotlineTicketDocument, HotlineTicketRow, TicketAttachment } from './hotline-types.ts';
import type { ConversationRow, MessageRow } from './repositories.ts';

/** Outbox kind of a 12345 hotline ticket; adapters/hotline-12345 delivers it. */
export const HOTLINE_TICKET = 'hotline12345.ticket';

/** Lines of transcript an outbox row carries (the ticket content takes the last few of them). */
const TICKET_TRANSCRIPT_LINES = 200;
const TITLE_CHARS = 30;
const SUMMARY_CHARS = 200;

const SPEAKER: Record<MessageRow['senderKind'], string> = {
  citizen: '服务对象',
  bot: '小申',
  staff: '帮办人员',
  system: '系统',
};

/** Who pushed (null: bangban itself, the auto-push rule) and why. */
export interface PushInput {
  staffId: string | null;
  reason: string;
}

/** The next ticket number of the conversation (`BB-20261127-K7Q2-2` after one 退单). */
export async function nextTicketNo(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
): Promise<{ ticketNo: string; sequence: number }> {
  const sequence = (await step.tx.hotline.countForConversation(conversation.id)) + 1;
  const prefix = ctx.config.hotline12345.ticketPrefix;
  return { ticketNo: agencyTicketNo(prefix, shanghaiDateOf(step.at), conversation.code, sequence), sequence };
}

/**
 * Builds the 工单 from the conversation and writes it (status pending, event `created`) and, unless
 * `enqueue` is false, its outbox row — all in the step's transaction, so the ticket exists iff the
 * push commits.
 */
export async function createTicket(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  push: PushInput,
  numbered: { ticketNo: string; sequence: number },
  options: { enqueue?: boolean } = {},
): Promise<HotlineTicketRow> {
  const transcript = await step.tx.messages.list(conversation.id, { limit: TICKET_TRANSCRIPT_LINES });
  const document = buildDocument(ctx, conversation, push, numbered.ticketNo, transcript, step.at);
  const settings = ctx.config.hotline12345;
  const ticket: HotlineTicketRow = {
    ticketNo: numbered.ticketNo,
    conversationId: conversation.id,
    sequence: numbered.sequence,
    hotlineNo: null,
    status: 'pending',
    itemId: conversation.itemId,
    staffId: push.staffId,
    reason: push.reason,
    appealType: settings.appealType,
    urgency: settings.urgency,
    title: document.title,
    document,
    returnReason: null,
    lastError: null,
    createdAt: step.at,
    updatedAt: step.at,
    sentAt: null,
    acceptedAt: null,
    closedAt: null,
    citizenToldAt: null,
  };
  const { updatedAt: _updatedAt, ...row } = ticket;
  await step.tx.hotline.insert(row);
  await step.tx.hotline.appendEvent({
    ticketNo: ticket.ticketNo,
    type: 'created',
    fromStatus: null,
    toStatus: 'pending',
    data: { staffId: push.staffId, reason: push.reason, auto: push.staffId === null },
    dedupeKey: null,
    at: step.at,
  });
  if (options.enqueue !== false) await enqueueTicket(ctx, step, conversation, ticket, push, transcript);
  return ticket;
}

async function enqueueTicket(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  ticket: HotlineTicketRow,
  push: PushInput,
  transcript: readonly MessageRow[],
): Promise<void> {
  // The first push keeps the key earlier versions used; a push after a 退单 is a new ticket.
  const key =
    ticket.sequence === 1
      ? `hotline12345:${conversation.id}`
      : `hotline12345:${conversation.id}:${ticket.sequence}`;
  await step.tx.work.enqueueOutbox({
    kind: HOTLINE_TICKET,
    idempotencyKey: key,
    at: step.at,
    payload: {
      ticketNo: ticket.ticketNo,
      conversationId: conversation.id,
      code: conversation.code,
      itemId: conversation.itemId,
      itemName: ctx.org.item(conversation.itemId)?.name ?? null,
      channel: conversation.channel,
      citizenUserId: conversation.citizenUserId,
      reason: push.reason,
      staffId: push.staffId,
      staffName: push.staffId ? (ctx.org.staff(push.staffId)?.name ?? push.staffId) : null,
      createdAt: conversation.createdAt.toISOString(),
      handoffAt: conversation.handoffAt?.toISOString() ?? null,
      pushedAt: step.at.toISOString(),
      transcript: transcript.map((line) => ({
        at: line.createdAt.toISOString(),
        from: line.senderKind,
        kind: line.kind,
        text: line.body,
      })),
    },
  });
}

function buildDocument(
  ctx: FlowContext,
  conversation: ConversationRow,
  push: PushInput,
  ticketNo: string,
  transcript: readonly MessageRow[],
  at: Date,
): HotlineTicketDocument {
  const settings = ctx.config.hotline12345;
  const item = ctx.org.item(conversation.itemId);
  const department = item ? ctx.config.departments.find((d) => d.id === item.department) : undefined;
  const citizenTexts = transcript
    .filter((line) => line.senderKind === 'citizen' && line.kind === 'text' && line.body.trim() !== '')
    .map((line) => line.body.trim());
  const summary = shorten(citizenTexts.slice(0, 3).join('；'), SUMMARY_CHARS) || '（服务对象未留文字）';
  const itemName = item?.name ?? null;
  const transcriptUrl = settings.transcriptUrl
    ? settings.transcriptUrl
        .replaceAll('{conversationId}', encodeURIComponent(conversation.id))
        .replaceAll('{code}', encodeURIComponent(conversation.code))
    : null;
  const lines = settings.transcriptLines > 0 ? transcript.slice(-settings.transcriptLines) : [];
  const content = [
    `事项：${itemName ?? '未选择事项'}`,
    `帮办会话：#${conversation.code}（${conversation.channel}）`,
    `诉求摘要：${summary}`,
    `转办原因：${push.reason}`,
    ...(transcriptUrl ? [`完整对话记录：${transcriptUrl}`] : []),
    ...(lines.length > 0 ? ['—— 对话记录 ——', ...lines.map(transcriptLine)] : []),
  ].join('\n');
  const attachments: TicketAttachment[] = transcript
    .filter((line) => line.mediaRef)
    .map((line) => ({ kind: line.kind, ref: line.mediaRef!, at: line.createdAt.toISOString() }));
  return {
    agencyTicketNo: ticketNo,
    sourceChannel: settings.sourceChannel,
    createdAt: at.toISOString(),
    // Chat channels give no name or phone; realName stays false until a channel provides identity.
    requester: { channel: conversation.channel, channelUserId: conversation.citizenUserId, realName: false },
    appealType: settings.appealType,
    itemId: conversation.itemId,
    itemName,
    department: department?.name ?? null,
    title: `【${itemName ?? '一网通办'}】${shorten(citizenTexts[0] ?? push.reason, TITLE_CHARS)}`,
    content,
    transcriptUrl,
    attachments,
    reason: push.reason,
    urgency: settings.urgency,
    helperName: push.staffId ? (ctx.org.staff(push.staffId)?.name ?? null) : null,
  };
}

function transcriptLine(line: MessageRow): string {
  const body = line.kind === 'text' ? line.body : `[${line.kind}]${line.body ? ` ${line.body}` : ''}`;
  return `[${line.createdAt.toISOString()}] ${SPEAKER[line.senderKind]}：${body}`;
}

function shorten(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
