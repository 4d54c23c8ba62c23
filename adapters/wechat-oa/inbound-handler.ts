/**
 * What a verified push does, between storing and answering (protocols §6.4): open the citizen's
 * customer-service window, store the message in the inbox (media: enqueue its download first), then
 * wait — bounded — for the bot's answer so it can go back as the passive reply. What arrives after
 * the wait, or does not fit one passive reply, goes the custom-message way; nothing is sent twice
 * and nothing is dropped.
 */
import type { Flows } from '../../src/flows/types.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import type { OaCitizenSender } from './citizen-sender.ts';
import { markUnsubscribed, openWindow } from './customer-window.ts';
import { toMediaFetchPayload, WECHAT_OA_OUTBOX, type Enqueue } from './outbox-kinds.ts';
import type { OaPush } from './parse-message.ts';
import type { PassiveReplies } from './passive-replies.ts';
import { splitForPassiveReply } from './render-message.ts';

export interface InboundHandlerDeps {
  db: Db;
  flows: Pick<Flows, 'receive' | 'idle'>;
  clock: Clock;
  enqueue: Enqueue;
  passive: PassiveReplies;
  sender: OaCitizenSender;
  /** Bounded wait for the passive reply (ms). */
  replyWaitMs: number;
  /** Added to what a subscribe is answered with. */
  subscribeHint: string;
}

/** The passive reply text, or null for WeChat's "received, nothing to say" (`success`). */
export type PushHandler = (
  push: OaPush,
  log: Logger,
  isRequestAlive: () => boolean,
) => Promise<string | null>;

export function createInboundHandler(deps: InboundHandlerDeps): PushHandler {
  return async (push, log, isRequestAlive) => {
    if (push.type === 'ignored') {
      log.info(
        { msgType: push.msgType, event: push.event, reason: push.reason },
        'WeChat Official Account push acknowledged without action',
      );
      return null;
    }
    const { message, openId } = push;
    const now = deps.clock.now();
    if (message.kind === 'event' && message.event === 'unsubscribe')
      await markUnsubscribed(deps.db, openId, now);
    else if (push.opensWindow) {
      const sent = message.sentAt && message.sentAt.getTime() < now.getTime() ? message.sentAt : now;
      await openWindow(deps.db, { openId, trigger: push.opensWindow, key: message.externalId, at: sent });
    }
    // Registered before the message is stored: its processing starts right after the insert.
    const waiter = deps.passive.open(openId);
    let fresh = false;
    let processed: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | null = null;
    try {
      if (push.media) {
        const queued = await deps.enqueue({
          kind: WECHAT_OA_OUTBOX.mediaFetch,
          payload: toMediaFetchPayload(message, push.media),
          idempotencyKey: `wechat_oa:media:${message.externalId}`,
        });
        fresh = queued.enqueued;
      } else {
        const received = await deps.flows.receive(message);
        fresh = !received.duplicate;
        if (!received.duplicate && received.processed) processed = received.processed;
      }
      // A photo is processed once its outbox job fetched it: wait for the first answer it brings.
      const answered = push.media ? waiter.firstMessage.then(() => deps.flows.idle()) : processed;
      if (fresh) await waitForAnswer(deps, answered);
    } catch (error) {
      failure = { error };
    }
    // From here on the flows' messages for this citizen go the custom way; what was handed over
    // is either the passive reply or queued below.
    const replies = deps.passive.close(waiter);
    const subscribed = message.kind === 'event' && message.event === 'subscribe' && fresh;
    const split =
      isRequestAlive() && !failure
        ? splitForPassiveReply(replies, subscribed ? deps.subscribeHint : undefined)
        : { text: null, rest: replies };
    for (const reply of split.rest) await sendLater(deps, reply.to, reply.message, log);
    if (failure) throw failure.error;
    if (split.text !== null) return split.text;
    if (!fresh) log.debug({ externalId: message.externalId }, 'WeChat retry of a stored push acknowledged');
    return null;
  };
}

/** The processing of this push is done (or the wait is over). */
async function waitForAnswer(deps: InboundHandlerDeps, processed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deps.replyWaitMs)));
  try {
    await Promise.race([deadline, processed]);
  } finally {
    clearTimeout(timer);
  }
}

async function sendLater(
  deps: InboundHandlerDeps,
  to: Parameters<OaCitizenSender['sendCustom']>[0],
  message: Parameters<OaCitizenSender['sendCustom']>[1],
  log: Logger,
): Promise<void> {
  try {
    await deps.sender.sendCustom(to, message);
  } catch (error) {
    log.error(
      { conversationId: to.conversationId, err: error instanceof Error ? error.message : String(error) },
      'a reply could not be queued for the custom-message API',
    );
  }
}
