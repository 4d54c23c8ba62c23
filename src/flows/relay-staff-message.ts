import type { OutboundMessage } from '../ports.ts';
import { addressOf, sayToCitizen, staffActor, transition } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import { stopSlaClock } from './sla-cycle.ts';

/** An image, voice clip, video or file a staff member sends (`mediaRef` is usually a `media:<id>` ref). */
export interface StaffMedia {
  kind: 'image' | 'voice' | 'video' | 'file';
  mediaRef: string;
  fileName?: string;
}

/** The transcript text of a media message (what previews and exports show). */
const MEDIA_LABELS: Record<StaffMedia['kind'], string> = {
  image: '[图片]',
  voice: '[语音]',
  video: '[视频]',
  file: '[文件]',
};

/**
 * A staff member's message reaches the citizen. The first one stops the SLA clock and records the
 * numbers the 1-minute response rate is computed from (ARCHITECTURE.md §7).
 */
export async function relayStaffMessage(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  text: string,
): Promise<ConversationRow> {
  await sayToCitizen(step, conversation, text, { senderKind: 'staff', staffId });
  return countAsResponse(ctx, step, conversation, staffId);
}

/**
 * A staff member's image/voice/video/file reaches the citizen: stored in the transcript with its
 * ref and sent after commit as an OutboundMessage of that kind; it counts as a response like text.
 */
export async function relayStaffMedia(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  media: StaffMedia,
): Promise<ConversationRow> {
  await step.tx.messages.insert({
    conversationId: conversation.id,
    direction: 'out',
    senderKind: 'staff',
    staffId,
    kind: media.kind,
    body: media.fileName ? `${MEDIA_LABELS[media.kind]} ${media.fileName}` : MEDIA_LABELS[media.kind],
    mediaRef: media.mediaRef,
    externalId: null,
    createdAt: step.at,
  });
  const message: OutboundMessage = {
    kind: media.kind,
    mediaRef: media.mediaRef,
    ...(media.fileName ? { fileName: media.fileName } : {}),
  };
  step.fx.toCitizen(addressOf(conversation), message);
  return countAsResponse(ctx, step, conversation, staffId);
}

async function countAsResponse(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
): Promise<ConversationRow> {
  if (conversation.firstHumanResponseAt || conversation.state !== 'assigned') return conversation;

  const flow = await step.tx.flowState.get(conversation.id);
  const clockStart = flow.slaClockStart ?? conversation.handoffAt ?? step.at;
  const workingSeconds = ctx.calendar.workingSecondsBetween(
    clockStart,
    step.at,
    ctx.org.hoursOf(conversation.itemId),
  );
  const answered = await transition(
    step,
    conversation,
    'first_response',
    staffActor(staffId),
    {
      handoffAt: conversation.handoffAt?.toISOString() ?? null,
      clockStartsAt: clockStart.toISOString(),
      workingSeconds: Math.round(workingSeconds * 1000) / 1000,
      withinSla: workingSeconds <= ctx.config.sla.firstResponseSeconds,
    },
    { firstHumanResponseAt: step.at },
  );
  await stopSlaClock(step, conversation.id);
  return answered.ok ? answered.conversation : conversation;
}
