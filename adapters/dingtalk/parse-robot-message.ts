/**
 * The app robot's message body (protocols/dingtalk.md §3.2), validated and reduced to what bangban
 * uses. Unknown extra fields are allowed (DingTalk adds fields); missing or mistyped required ones
 * are a `bad_request`. The same body arrives over HTTP and over the Stream gateway.
 */
import { z } from 'zod';

const str = (max: number) => z.string().max(max);
const ms = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
]);

const robotBodySchema = z.looseObject({
  msgId: str(256).min(1),
  msgtype: str(64).min(1),
  conversationId: str(256).min(1),
  conversationType: z.enum(['1', '2']),
  senderId: str(256).optional(),
  senderStaffId: str(128).optional(),
  senderNick: str(256).optional(),
  createAt: ms.optional(),
  sessionWebhook: str(2048)
    .regex(/^https?:\/\/\S+$/)
    .optional(),
  sessionWebhookExpiredTime: ms.optional(),
  isInAtList: z.boolean().optional(),
  atUsers: z
    .array(z.looseObject({ dingtalkId: str(256).optional(), staffId: str(128).optional() }))
    .max(200)
    .optional(),
  text: z.looseObject({ content: str(20_000) }).optional(),
  content: z
    .looseObject({
      downloadCode: str(4096).optional(),
      pictureDownloadCode: str(4096).optional(),
      recognition: str(20_000).optional(),
      fileName: str(512).optional(),
      richText: z
        .array(
          z.looseObject({
            text: str(20_000).optional(),
            type: str(64).optional(),
            downloadCode: str(4096).optional(),
            pictureDownloadCode: str(4096).optional(),
          }),
        )
        .max(200)
        .optional(),
    })
    .optional(),
});

export type RobotBody =
  | { kind: 'text'; text: string }
  | {
      kind: 'media';
      mediaKind: 'image' | 'voice' | 'video' | 'file';
      downloadCode: string;
      fileName?: string;
      recognition?: string;
    }
  | { kind: 'unsupported'; msgtype: string };

export interface RobotMessage {
  msgId: string;
  /** The sender's userid (empty for external members and before the robot is published). */
  senderStaffId?: string;
  senderId?: string;
  senderNick?: string;
  conversationId: string;
  conversationType: 'single' | 'group';
  createdAt?: Date;
  session?: { webhook: string; expiresAt: Date };
  atUserIds: string[];
  body: RobotBody;
}

export type ParseResult = { ok: true; message: RobotMessage } | { ok: false; reason: string };

export function parseRobotMessage(input: unknown): ParseResult {
  const parsed = robotBodySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  const raw = parsed.data;
  const body = bodyOf(raw);
  if (!body) return { ok: false, reason: `${raw.msgtype} message without its content` };
  const session =
    raw.sessionWebhook && raw.sessionWebhookExpiredTime !== undefined
      ? { webhook: raw.sessionWebhook, expiresAt: new Date(raw.sessionWebhookExpiredTime) }
      : undefined;
  return {
    ok: true,
    message: {
      msgId: raw.msgId,
      ...(raw.senderStaffId ? { senderStaffId: raw.senderStaffId } : {}),
      ...(raw.senderId ? { senderId: raw.senderId } : {}),
      ...(raw.senderNick ? { senderNick: raw.senderNick } : {}),
      conversationId: raw.conversationId,
      conversationType: raw.conversationType === '1' ? 'single' : 'group',
      ...(raw.createAt !== undefined ? { createdAt: new Date(raw.createAt) } : {}),
      ...(session ? { session } : {}),
      atUserIds: (raw.atUsers ?? []).flatMap((user) => (user.staffId ? [user.staffId] : [])),
      body,
    },
  };
}

type Raw = z.output<typeof robotBodySchema>;

function bodyOf(raw: Raw): RobotBody | null {
  const content = raw.content;
  switch (raw.msgtype) {
    case 'text': {
      const text = raw.text?.content.trim();
      return text ? { kind: 'text', text } : null;
    }
    case 'richText': {
      const parts = content?.richText ?? [];
      const text = parts
        .map((part) => part.text ?? '')
        .join('')
        .trim();
      if (text) return { kind: 'text', text };
      const picture = parts.find((part) => part.downloadCode || part.pictureDownloadCode);
      const code = picture?.downloadCode ?? picture?.pictureDownloadCode;
      return code ? { kind: 'media', mediaKind: 'image', downloadCode: code } : null;
    }
    case 'picture': {
      const code = content?.downloadCode ?? content?.pictureDownloadCode;
      return code ? { kind: 'media', mediaKind: 'image', downloadCode: code } : null;
    }
    case 'audio':
    case 'video':
    case 'file': {
      const code = content?.downloadCode;
      if (!code) return null;
      const mediaKind = raw.msgtype === 'audio' ? 'voice' : raw.msgtype;
      return {
        kind: 'media',
        mediaKind,
        downloadCode: code,
        ...(content.fileName ? { fileName: content.fileName } : {}),
        ...(content.recognition ? { recognition: content.recognition.trim() } : {}),
      };
    }
    default:
      return { kind: 'unsupported', msgtype: raw.msgtype };
  }
}
