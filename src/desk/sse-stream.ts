import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

export interface SseEvent {
  /** Sent as `id:`; browsers echo the last one in `Last-Event-ID` when they reconnect. */
  id?: string | number;
  event?: string;
  data: unknown;
}

export interface SseStream {
  send(event: SseEvent): void;
  /** Ends the response (server shutdown, session gone). */
  close(): void;
  readonly closed: boolean;
}

export interface OpenSseOptions {
  /** A comment line this often keeps proxies from timing the stream out; also calls `onHeartbeat`. */
  heartbeatMs: number;
  /** How long a browser waits before reconnecting after the stream drops. */
  retryMs?: number;
  onHeartbeat?: () => void;
  onClose: () => void;
}

/**
 * Turns the Koa response into a server-sent event stream. The handler returns right after; the
 * stream lives until the client disconnects or `close()` is called, and `onClose` runs once.
 */
export function openSseStream(ctx: Context, options: OpenSseOptions): SseStream {
  const body = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Connection', 'keep-alive');
  // nginx buffers responses unless told not to, which would hold events back.
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = body;

  let closed = false;
  const heartbeat = setInterval(() => {
    write(': ping\n\n');
    options.onHeartbeat?.();
  }, options.heartbeatMs);
  heartbeat.unref();

  function write(chunk: string): void {
    if (!closed) body.write(chunk);
  }
  function finish(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.onClose();
  }
  // The base middleware (access log, metrics, Koa's own) already listens on the response.
  ctx.res.setMaxListeners(20);
  ctx.res.once('close', finish);
  body.once('close', finish);

  write(`retry: ${options.retryMs ?? 3000}\n: connected\n\n`);
  return {
    send(event) {
      write(formatSseEvent(event));
    },
    close() {
      if (closed) return;
      body.end();
      finish();
    },
    get closed() {
      return closed;
    },
  };
}

/** One event in the text/event-stream format; data is JSON on one line. */
export function formatSseEvent(event: SseEvent): string {
  let text = '';
  if (event.id !== undefined) text += `id: ${String(event.id).replace(/[\r\n]/g, '')}\n`;
  if (event.event !== undefined) text += `event: ${event.event.replace(/[\r\n]/g, '')}\n`;
  // JSON.stringify never emits raw newlines, so one data line carries the whole payload.
  text += `data: ${JSON.stringify(event.data)}\n\n`;
  return text;
}
