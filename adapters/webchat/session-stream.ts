import type { Context } from 'koa';
import { openSseStream } from '../../src/desk/sse-stream.ts';
import type { Db } from '../../src/storage/database.ts';
import { sessionMessages, toWidgetMessage, type SessionMessageRow } from './session-messages.ts';
import type { WebchatHub } from './webchat-hub.ts';

export interface SessionStreamOptions {
  db: Db;
  hub: WebchatHub;
  sessionId: string;
  /** Last-Event-ID: send only what came after it; undefined: start with the latest history. */
  resumeFrom: number | undefined;
  heartbeatMs: number;
  historyLimit: number;
}

const PAGE = 200;
// Re-read this many of the newest rows each time: a message whose transaction committed late can
// carry a lower id than one already sent, and would otherwise be skipped by the id cursor.
const OVERLAP = 20;
// The flows may publish before their transaction commits; one late re-read picks such rows up.
const LATE_READ_MS = 300;
// Ids older than the overlap window can be forgotten; the cursor already excludes them.
const MAX_REMEMBERED = 500;

/**
 * The widget's SSE stream: every message of the session, as `event: message` with the JSON of a
 * WidgetMessage. Wake-ups (this instance's hub or another's NOTIFY) and heartbeats trigger a read
 * from the database; the `id:` line is the highest message id sent, for Last-Event-ID resume.
 */
export function openSessionStream(ctx: Context, options: SessionStreamOptions): void {
  const { db, hub, sessionId } = options;
  const floor = options.resumeFrom ?? 0;
  const sent = new Set<number>();
  let highest = options.resumeFrom;
  let reading = false;
  let again = false;
  const timers = new Set<NodeJS.Timeout>();
  let unsubscribe = (): void => {};
  let untrack = (): void => {};

  const stream = openSseStream(ctx, {
    heartbeatMs: options.heartbeatMs,
    onHeartbeat: () => void read(),
    onClose: () => {
      unsubscribe();
      untrack();
      for (const timer of timers) clearTimeout(timer);
    },
  });

  async function fetchNew(): Promise<SessionMessageRow[]> {
    if (highest === undefined) return sessionMessages(db, sessionId, { limit: options.historyLimit });
    const [after, recent] = await Promise.all([
      sessionMessages(db, sessionId, { afterId: highest, limit: PAGE }),
      sessionMessages(db, sessionId, { limit: OVERLAP }),
    ]);
    const byId = new Map([...recent, ...after].map((row) => [row.id, row]));
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const rows = (await fetchNew()).filter((row) => row.id > floor && !sent.has(row.id));
        for (const row of rows) {
          if (stream.closed) return;
          sent.add(row.id);
          if (sent.size > MAX_REMEMBERED) sent.delete(sent.values().next().value!);
          highest = Math.max(highest ?? 0, row.id);
          stream.send({
            id: highest,
            event: 'message',
            data: toWidgetMessage(row, sessionId, hub.choicesFor),
          });
        }
        if (highest === undefined) highest = floor;
        // A full page means more may be waiting.
        if (rows.length >= PAGE) again = true;
      } while (again && !stream.closed);
    } catch (error) {
      ctx.state.log?.warn({ err: error }, 'webchat stream read failed; the next wake-up retries');
    } finally {
      reading = false;
    }
  }

  const wake = (): void => {
    void read();
    const timer = setTimeout(() => {
      timers.delete(timer);
      void read();
    }, LATE_READ_MS);
    timer.unref();
    timers.add(timer);
  };

  unsubscribe = hub.subscribe(sessionId, wake);
  untrack = hub.track(stream);
  void read();
}
