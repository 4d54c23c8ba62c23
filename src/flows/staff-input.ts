import { parseStaffCommand, type StaffCommand } from '../core/staff-command.ts';
import { claimById, claimNext } from './claim-conversation.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { closingCommand } from './staff-closing.ts';
import { info, note, reply, sendKbAnswer, switchTo } from './staff-conversation-commands.ts';
import { askForSupport, listFor, transfer } from './staff-support-commands.ts';
import { checkOwner, failure, lockTarget, type StaffFailure } from './staff-target.ts';
import type { ClaimResult, StaffInputResult } from './types.ts';

export interface StaffInput {
  staffId: string;
  text: string;
  /** The conversation the desk had open when the line was typed (wins over the current one). */
  conversationId?: string;
}

/** A staff member's typed line (ARCHITECTURE.md §4): a command or a reply. Failures are told to them as `info`. */
export async function runStaffInput(
  ctx: FlowContext,
  step: Step,
  input: StaffInput,
): Promise<StaffInputResult> {
  if (!ctx.org.staff(input.staffId)) return failure('unknown_staff', `未知的工作人员 ${input.staffId}。`);
  const parsed = parseStaffCommand(input.text);
  const result = parsed.ok ? await execute(ctx, step, input, parsed.command) : failure('usage', parsed.usage);
  if (!result.ok) info(step, input.staffId, result.message, input.conversationId);
  return result;
}

async function execute(
  ctx: FlowContext,
  step: Step,
  input: StaffInput,
  command: StaffCommand,
): Promise<StaffInputResult> {
  const { staffId } = input;
  if (command.kind === 'claim') return claimCommand(ctx, step, input, command.code);
  if (command.kind === 'list') return listFor(ctx, step, staffId);

  const ref =
    command.kind === 'reply_to' || command.kind === 'switch'
      ? { code: command.code }
      : input.conversationId
        ? { conversationId: input.conversationId }
        : {};
  const target = await lockTarget(step, staffId, ref);
  if (!target.ok) return target;
  const { conversation } = target;
  const refused = checkOwner(conversation, staffId);
  if (refused) return refused;

  switch (command.kind) {
    case 'reply':
    case 'reply_to':
      return reply(ctx, step, conversation, staffId, command.text);
    case 'switch':
      return switchTo(step, conversation, staffId);
    case 'resolve':
    case 'push_12345':
      return closingCommand(ctx, step, conversation, staffId, command);
    case 'transfer':
      return transfer(ctx, step, conversation, staffId, command.staff);
    case 'consult':
      return askForSupport(ctx, step, conversation, staffId, 'expert', command.text);
    case 'tech':
      return askForSupport(ctx, step, conversation, staffId, 'tech', command.text);
    case 'kb':
      return sendKbAnswer(ctx, step, conversation, staffId, command.words);
    case 'note':
      return note(step, conversation, staffId, command.text);
  }
}

async function claimCommand(
  ctx: FlowContext,
  step: Step,
  input: StaffInput,
  code: string | undefined,
): Promise<StaffInputResult> {
  let claimed: ClaimResult | null;
  if (code !== undefined) {
    const found = await step.tx.conversations.findByCode(code);
    if (!found) return failure('not_found', `没有编号为 #${code} 的会话。`);
    claimed = await claimById(ctx, step, input.staffId, found.id);
  } else if (input.conversationId !== undefined) {
    claimed = await claimById(ctx, step, input.staffId, input.conversationId);
  } else {
    claimed = await claimNext(ctx, step, input.staffId);
    if (!claimed) return failure('not_found', '当前没有您可以接的排队会话。');
  }
  if (!claimed.ok) return claimFailure(claimed.reason, code);
  info(
    step,
    input.staffId,
    `已接单 #${claimed.conversation.code}，直接输入内容即可回复服务对象。`,
    claimed.conversation.id,
  );
  return { ok: true, action: 'claim', conversationId: claimed.conversation.id };
}

const CLAIM_MESSAGES: Record<Extract<ClaimResult, { ok: false }>['reason'], string> = {
  not_found: '没有这个会话。',
  already_claimed: '该会话已被其他帮办人员接单。',
  closed: '该会话已结束。',
  not_on_duty: '您当前不在该事项的值班中，不能接单。',
  at_capacity: '您手上的会话已达上限，请先办结再接单。',
  not_waiting: '该会话还在由小申（机器人）答复，无需接单。',
};

export function claimFailure(
  reason: Extract<ClaimResult, { ok: false }>['reason'],
  code?: string,
): StaffFailure {
  return failure(reason, code ? `#${code}：${CLAIM_MESSAGES[reason]}` : CLAIM_MESSAGES[reason]);
}
