/**
 * A stand-in for the real flows (src/flows/create-flows.ts) that the webchat and desk tests drive.
 * It keeps conversations and messages in the real test database — the widget streams read them
 * there, as they will read the real flows' rows — and answers staff input and claims with simple
 * rules or with whatever a test queues up (`nextStaffInput`, `nextClaim`).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { InboundMessage } from '../../src/core/inbound.ts';
import type {
  ClaimResult,
  Flows,
  MessageView,
  ReceiveResult,
  StaffInputResult,
} from '../../src/flows/types.ts';
import type { ChannelGateway, ConversationSummary, OutboundMessage } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import { conversations, messages } from '../../src/storage/schema/conversations.ts';
import { staff } from '../../src/storage/schema/organisation.ts';

const OPEN = ['bot', 'queued', 'assigned', 'active'] as const;

export interface FakeFlowsOptions {
  db: Db;
  /** Where replies go (the webchat gateway in tests that watch the widget stream). */
  gateway?: Pick<ChannelGateway, 'sendToCitizen'>;
  /** Answers each citizen text, like the KB bot; null = no answer. */
  botReply?: (message: InboundMessage) => OutboundMessage | null;
  /** Runs after a citizen message is stored (e.g. a handoff on 转人工 in browser tests). */
  afterInbound?: (message: InboundMessage, conversationId: string) => Promise<void>;
}

export class FakeFlows implements Flows {
  readonly received: InboundMessage[] = [];
  readonly staffInputs: { staffId: string; text: string; conversationId?: string }[] = [];
  readonly claims: { staffId: string; conversationId: string }[] = [];
  /** Returned (once) by the next staffInput instead of the default behaviour. */
  nextStaffInput: StaffInputResult | undefined;
  nextClaim: ClaimResult | undefined;
  readonly #seen = new Map<string, number>();
  #inboxId = 0;
  readonly #db: Db;
  #gateway: Pick<ChannelGateway, 'sendToCitizen'> | undefined;
  #botReply: FakeFlowsOptions['botReply'];
  #afterInbound: FakeFlowsOptions['afterInbound'];

  constructor(options: FakeFlowsOptions) {
    this.#db = options.db;
    this.#gateway = options.gateway;
    this.#botReply = options.botReply;
    this.#afterInbound = options.afterInbound;
  }

  setGateway(gateway: Pick<ChannelGateway, 'sendToCitizen'>): void {
    this.#gateway = gateway;
  }

  receive(message: InboundMessage): Promise<ReceiveResult> {
    return this.handleInbound(message);
  }

  async handleInbound(message: InboundMessage): Promise<ReceiveResult> {
    const key = `${message.channel}\n${message.externalId}`;
    const seen = this.#seen.get(key);
    if (seen !== undefined) return { ok: true, duplicate: true, inboxId: seen };
    const inboxId = ++this.#inboxId;
    this.#seen.set(key, inboxId);
    this.received.push(message);
    if (message.kind === 'event') return { ok: true, duplicate: false, inboxId };
    const conversationId = await this.openConversation(message.channel, message.channelUserId);
    await this.#db.insert(messages).values({
      conversationId,
      direction: 'in',
      senderKind: 'citizen',
      kind: message.kind === 'text' || message.kind === 'image' ? message.kind : 'text',
      body: message.kind === 'text' ? message.text : '',
      mediaRef: message.kind === 'image' ? message.mediaRef : null,
      externalId: message.externalId,
    });
    const answer = this.#botReply?.(message);
    if (answer) await this.reply(conversationId, answer);
    await this.#afterInbound?.(message, conversationId);
    return { ok: true, duplicate: false, inboxId };
  }

  /** The citizen's open conversation, created in state 'bot' when there is none. */
  async openConversation(channel: string, citizenUserId: string): Promise<string> {
    const rows = await this.#db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.channel, channel),
          eq(conversations.citizenUserId, citizenUserId),
          inArray(conversations.state, [...OPEN]),
        ),
      )
      .limit(1);
    if (rows[0]) return rows[0].id;
    const id = randomUUID();
    await this.#db.insert(conversations).values({ id, code: randomCode(), channel, citizenUserId });
    return id;
  }

  /** Stores an outbound message and hands it to the gateway, as the real flows do. */
  async reply(
    conversationId: string,
    message: OutboundMessage,
    from: { staffId?: string } = {},
  ): Promise<number> {
    const [row] = await this.#db
      .insert(messages)
      .values({
        conversationId,
        direction: 'out',
        senderKind: from.staffId ? 'staff' : 'bot',
        staffId: from.staffId ?? null,
        kind: message.kind,
        body: message.kind === 'text' ? message.text : '',
        mediaRef: message.kind === 'text' ? null : message.mediaRef,
      })
      .returning({ id: messages.id });
    const [conversation] = await this.#db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    await this.#gateway?.sendToCitizen(
      {
        channel: conversation!.channel as 'webchat',
        citizenUserId: conversation!.citizenUserId,
        conversationId,
      },
      message,
    );
    return row!.id;
  }

  /** Puts a conversation into a state with an assignee, as a handoff would. */
  async setState(
    conversationId: string,
    state: (typeof OPEN)[number] | 'resolved',
    assigneeId: string | null,
    slaDueAt?: Date,
  ): Promise<void> {
    await this.#db
      .update(conversations)
      .set({ state, assigneeId, handoffAt: slaDueAt ? new Date(slaDueAt.getTime() - 60_000) : null })
      .where(eq(conversations.id, conversationId));
  }

  async staffInput(input: {
    staffId: string;
    text: string;
    conversationId?: string;
  }): Promise<StaffInputResult> {
    this.staffInputs.push(input);
    const queued = this.nextStaffInput;
    if (queued) {
      this.nextStaffInput = undefined;
      return queued;
    }
    if (input.text.startsWith('/'))
      return { ok: true, action: 'command', conversationId: input.conversationId };
    if (!input.conversationId)
      return { ok: false, reason: 'no_current_conversation', message: '没有当前会话' };
    const conversation = await this.getConversation(input.conversationId);
    if (!conversation) return { ok: false, reason: 'not_found', message: '会话不存在' };
    if (conversation.assigneeId !== input.staffId)
      return { ok: false, reason: 'not_owner', message: '这不是你的会话' };
    await this.reply(input.conversationId, { kind: 'text', text: input.text }, { staffId: input.staffId });
    return { ok: true, action: 'reply', conversationId: input.conversationId };
  }

  async claim(staffId: string, conversationId: string): Promise<ClaimResult> {
    this.claims.push({ staffId, conversationId });
    const queued = this.nextClaim;
    if (queued) {
      this.nextClaim = undefined;
      return queued;
    }
    const updated = await this.#db
      .update(conversations)
      .set({ assigneeId: staffId, state: 'assigned' })
      .where(
        and(
          eq(conversations.id, conversationId),
          isNull(conversations.assigneeId),
          inArray(conversations.state, [...OPEN]),
        ),
      )
      .returning({ id: conversations.id });
    if (updated.length === 0) {
      const existing = await this.getConversation(conversationId);
      return { ok: false, reason: existing ? 'already_claimed' : 'not_found' };
    }
    return { ok: true, conversation: (await this.getConversation(conversationId))! };
  }

  async listOpen(filter: { staffId?: string; all?: boolean }): Promise<ConversationSummary[]> {
    const open = inArray(conversations.state, [...OPEN]);
    const where =
      filter.all || !filter.staffId
        ? open
        : and(
            open,
            or(
              eq(conversations.assigneeId, filter.staffId),
              and(isNull(conversations.assigneeId), eq(conversations.state, 'queued')),
            ),
          );
    const rows = await this.#db
      .select()
      .from(conversations)
      .where(where)
      .orderBy(asc(conversations.createdAt));
    return Promise.all(rows.map((row) => this.#summary(row)));
  }

  async getConversation(conversationId: string): Promise<ConversationSummary | null> {
    const rows = await this.#db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId))
      .limit(1);
    return rows[0] ? this.#summary(rows[0]) : null;
  }

  async transcript(
    conversationId: string,
    options: { afterId?: number; limit?: number } = {},
  ): Promise<MessageView[]> {
    const rows = await this.#db
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), gt(messages.id, options.afterId ?? 0)))
      .orderBy(asc(messages.id))
      .limit(options.limit ?? 500);
    return rows.map((row) => ({
      id: row.id,
      conversationId: row.conversationId,
      direction: row.direction,
      senderKind: row.senderKind,
      staffId: row.staffId,
      kind: row.kind,
      body: row.body,
      mediaRef: row.mediaRef,
      createdAt: row.createdAt,
    }));
  }

  async recoverInbox(): Promise<number> {
    return 0;
  }

  async idle(): Promise<void> {}

  async #summary(row: typeof conversations.$inferSelect): Promise<ConversationSummary> {
    const [last] = await this.#db
      .select({ body: messages.body })
      .from(messages)
      .where(and(eq(messages.conversationId, row.id), eq(messages.direction, 'in')))
      .orderBy(desc(messages.id))
      .limit(1);
    return {
      id: row.id,
      code: row.code,
      channel: row.channel as ConversationSummary['channel'],
      itemId: row.itemId,
      itemName: null,
      state: row.state,
      assigneeId: row.assigneeId,
      assigneeName: row.assigneeId,
      createdAt: row.createdAt,
      handoffAt: row.handoffAt,
      slaDueAt:
        row.handoffAt && !row.firstHumanResponseAt ? new Date(row.handoffAt.getTime() + 60_000) : null,
      firstHumanResponseAt: row.firstHumanResponseAt,
      preview: (last?.body ?? '').slice(0, 60),
    };
  }
}

/** Inserts staff rows the desk can authenticate (the real app loads them from config). */
export async function seedStaff(
  db: Db,
  members: { id: string; name?: string; roles: string[]; active?: boolean }[],
): Promise<void> {
  if (members.length === 0) return;
  await db
    .insert(staff)
    .values(
      members.map((m) => ({ id: m.id, name: m.name ?? m.id, roles: m.roles, active: m.active ?? true })),
    )
    .onConflictDoNothing();
}

function randomCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let code = '';
  for (let i = 0; i < 6; i += 1) code += alphabet[Math.floor(Math.random() * alphabet.length)];
  return code;
}
