import { z } from 'zod';

/*
 * The `hotline12345` slice of config/default.yaml: how bangban talks to the local 12345 platform.
 * There is no national 12345 interface (see adapters/hotline-12345/README.md), so the endpoint
 * paths, field names and status words are mapped here and a deployment matches its local
 * interface without code changes. The address, app id and secret come only from the environment
 * (HOTLINE_12345_BASE_URL, HOTLINE_12345_APP_ID, HOTLINE_12345_SECRET).
 */

/** 诉求类型 (DB12/T 1438-2025 list). */
export const APPEAL_TYPES = ['咨询', '求助', '投诉', '举报', '建议', '表扬'] as const;
/** 紧急程度. */
export const URGENCIES = ['一般', '次紧急', '紧急'] as const;
/** What 12345 can report back about a ticket (bangban's own words). */
export const CALLBACK_STATUSES = ['accepted', 'in_progress', 'closed', 'returned'] as const;

const path = z
  .string({ error: 'expected a path' })
  .regex(/^\/[^\s?#]*$/, { error: 'expected a path starting with / (no query)' });
const fieldPath = z
  .string({ error: 'expected a field name' })
  .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, { error: 'expected a field name or a.b.c path' });
const text = z.string({ error: 'expected text' }).trim().min(1, { error: 'must not be empty' });

/** Canonical ticket fields → the field (dotted path) the local interface uses. */
const ticketFieldsSchema = z
  .strictObject({
    agencyTicketNo: fieldPath.default('externalNo'),
    sourceChannel: fieldPath.default('source'),
    createdAt: fieldPath.default('createdAt'),
    requesterName: fieldPath.default('requester.name'),
    requesterPhone: fieldPath.default('requester.phone'),
    requesterRealName: fieldPath.default('requester.realName'),
    requesterChannel: fieldPath.default('requester.channel'),
    requesterChannelUserId: fieldPath.default('requester.channelUserId'),
    enterpriseName: fieldPath.default('requester.enterpriseName'),
    enterpriseUscc: fieldPath.default('requester.uscc'),
    appealType: fieldPath.default('appealType'),
    itemId: fieldPath.default('item.code'),
    itemName: fieldPath.default('item.name'),
    department: fieldPath.default('item.department'),
    title: fieldPath.default('title'),
    content: fieldPath.default('content'),
    transcriptUrl: fieldPath.default('transcriptUrl'),
    attachments: fieldPath.default('attachments'),
    reason: fieldPath.default('transferReason'),
    urgency: fieldPath.default('urgency'),
    helperName: fieldPath.default('helper.name'),
  })
  .prefault({});

const responseFieldsSchema = z
  .strictObject({
    /** The 12345 ticket number in the create response (may be absent: it then comes by callback). */
    hotlineNo: fieldPath.default('ticketNo'),
  })
  .prefault({});

const callbackFieldsSchema = z
  .strictObject({
    /** Unique per status event; duplicates are ignored. Without it the body's hash dedupes. */
    eventId: fieldPath.default('eventId'),
    agencyTicketNo: fieldPath.default('externalNo'),
    hotlineNo: fieldPath.default('ticketNo'),
    status: fieldPath.default('status'),
    reason: fieldPath.default('reason'),
    handlerOrg: fieldPath.default('handlerOrg'),
    reply: fieldPath.default('reply'),
    occurredAt: fieldPath.default('occurredAt'),
  })
  .prefault({});

export const DEFAULT_STATUS_VALUES: Readonly<Record<string, (typeof CALLBACK_STATUSES)[number]>> = {
  accepted: 'accepted',
  in_progress: 'in_progress',
  closed: 'closed',
  returned: 'returned',
  签收: 'accepted',
  已签收: 'accepted',
  受理: 'accepted',
  办理中: 'in_progress',
  处理中: 'in_progress',
  办结: 'closed',
  已办结: 'closed',
  退单: 'returned',
  已退单: 'returned',
};

export const hotline12345Schema = z
  .strictObject({
    paths: z
      .strictObject({
        /** POST a new ticket (JSON). */
        createTicket: path.default('/api/v1/tickets'),
      })
      .prefault({}),
    /** Per request; the outbox retries a timeout like a 5xx (the agency number keeps it idempotent). */
    timeoutMs: z.int().min(500).max(60_000).default(10_000),
    /**
     * Delivery attempts before the ticket is `failed` and supervisors are alerted. The outbox gives
     * up after 12 attempts (src/jobs), so more cannot be honoured.
     */
    maxAttempts: z.int().min(1).max(12).default(12),
    /** A signed request or callback is accepted this many seconds either side of our clock. */
    signatureWindowSeconds: z.int().min(30).max(3600).default(300),
    /** Prefix of the agency's own ticket number: `<prefix>-<yyyymmdd>-<conversation code>-<n>`. */
    ticketPrefix: z
      .string()
      .regex(/^[A-Z0-9]{1,8}$/, { error: 'expected 1–8 capital letters or digits' })
      .default('BB'),
    /** 来源渠道 sent with every ticket. */
    sourceChannel: text.default('一网通办帮办'),
    appealType: z.enum(APPEAL_TYPES).default('咨询'),
    urgency: z.enum(URGENCIES).default('一般'),
    /** Transcript link for the ticket; `{conversationId}` and `{code}` are filled in. */
    transcriptUrl: z.url({ error: 'expected an absolute URL' }).optional(),
    /** Transcript lines copied into the ticket content (the link carries the rest). */
    transcriptLines: z.int().min(0).max(500).default(50),
    fields: z
      .strictObject({
        ticket: ticketFieldsSchema,
        response: responseFieldsSchema,
        callback: callbackFieldsSchema,
      })
      .prefault({}),
    /** Extra status words the local interface uses (merged over DEFAULT_STATUS_VALUES). */
    statusValues: z.record(z.string(), z.enum(CALLBACK_STATUSES)).default({}),
    autoPush: z
      .strictObject({
        /** Push a conversation queued this long while nobody is on duty for its item. Off by default. */
        enabled: z.boolean().default(false),
        afterMinutes: z
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(30),
        /** How often queued conversations are checked. */
        checkEverySeconds: z.int().min(10).max(3600).default(60),
        reason: text.default('排队超时且无值班帮办人员，自动转 12345 热线'),
      })
      .prefault({}),
  })
  .prefault({});

export type Hotline12345Config = z.output<typeof hotline12345Schema>;
