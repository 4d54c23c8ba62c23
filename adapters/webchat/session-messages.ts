import { and, asc, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import { conversations, messages } from '../../src/storage/schema/conversations.ts';
import type { Choice } from './choice-cache.ts';
import { mediaUrlFor } from './media-store.ts';

/** A message as the widget shows it. Staff ids are not disclosed to citizens. */
export interface WidgetMessage {
  id: number;
  direction: 'in' | 'out';
  from: 'citizen' | 'bot' | 'staff' | 'system';
  kind: string;
  text: string;
  /** Relative URL of the message's media (add `?token=`), or null; `kind` says image/voice/video/file. */
  mediaUrl: string | null;
  /** The file's name for a media message that has one (shown on the download link). */
  fileName?: string;
  choices?: Choice[];
  createdAt: string;
}

export interface SessionMessageRow {
  id: number;
  conversationId: string;
  direction: 'in' | 'out';
  senderKind: 'citizen' | 'bot' | 'staff' | 'system';
  kind: string;
  body: string;
  mediaRef: string | null;
  createdAt: Date;
}

const columns = {
  id: messages.id,
  conversationId: messages.conversationId,
  direction: messages.direction,
  senderKind: messages.senderKind,
  kind: messages.kind,
  body: messages.body,
  mediaRef: messages.mediaRef,
  createdAt: messages.createdAt,
};

/**
 * The messages of every webchat conversation of one session (a returning citizen keeps their
 * history), in id order. With `afterId`: those after it; without: the latest `limit`.
 */
export async function sessionMessages(
  db: Db,
  sessionId: string,
  options: { afterId?: number; limit: number },
): Promise<SessionMessageRow[]> {
  const ofSession = and(eq(conversations.channel, 'webchat'), eq(conversations.citizenUserId, sessionId));
  // Page-entry events are stored in the transcript for staff; the citizen never typed them.
  const visible = and(inArray(messages.direction, ['in', 'out']), ne(messages.kind, 'event'));
  const base = db
    .select(columns)
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId));
  if (options.afterId !== undefined) {
    return base
      .where(and(ofSession, visible, gt(messages.id, options.afterId)))
      .orderBy(asc(messages.id))
      .limit(options.limit);
  }
  const latest = await base.where(and(ofSession, visible)).orderBy(desc(messages.id)).limit(options.limit);
  return latest.reverse();
}

/** True when one of the session's (webchat) messages carries `mediaRef`: the session may fetch it. */
export async function sessionHasMedia(db: Db, sessionId: string, mediaRef: string): Promise<boolean> {
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(
      and(
        eq(conversations.channel, 'webchat'),
        eq(conversations.citizenUserId, sessionId),
        eq(messages.mediaRef, mediaRef),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** The id of the stored inbound message with this external id in the session's conversations. */
export async function inboundMessageId(
  db: Db,
  sessionId: string,
  externalId: string,
): Promise<number | null> {
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(
      and(
        eq(conversations.channel, 'webchat'),
        eq(conversations.citizenUserId, sessionId),
        eq(messages.direction, 'in'),
        eq(messages.externalId, externalId),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(1);
  return rows[0]?.id ?? null;
}

export function toWidgetMessage(
  row: SessionMessageRow,
  sessionId: string,
  choicesFor: (conversationId: string, text: string) => Choice[] | undefined,
): WidgetMessage {
  const choices =
    row.direction === 'out' && row.kind === 'text' ? choicesFor(row.conversationId, row.body) : undefined;
  return {
    id: row.id,
    direction: row.direction,
    from: row.senderKind,
    kind: row.kind,
    text: row.body,
    mediaUrl: row.mediaRef ? mediaUrlFor(sessionId, row.mediaRef) : null,
    ...(row.mediaRef && mediaFileName(row.body) ? { fileName: mediaFileName(row.body)! } : {}),
    ...(choices ? { choices } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A media message's transcript line is `[文件] name` (or `[图片] name` …): the name, if any. */
export function mediaFileName(body: string): string | undefined {
  const name = /^\[(?:图片|语音|视频|文件)\] (.+)$/s.exec(body)?.[1]?.trim();
  return name || undefined;
}
