/**
 * DingTalk Stream mode (protocols/dingtalk.md §6): robot messages over an outbound WebSocket, for
 * networks that allow no inbound callbacks. `POST /v1.0/gateway/connections/open` with the app's
 * clientId/secret and explicit subscriptions (not the dingtalk-stream package: its subscriptions
 * array is shared between clients, §8.2) → `{endpoint, ticket}` (single-use, 90 s) → connect to
 * `endpoint?ticket=`. Frames: SYSTEM ping (echo data), SYSTEM disconnect (reconnect with a new
 * ticket), CALLBACK `/v1.0/im/bot/messages/get` (handled like the HTTP callback, then ACKed),
 * EVENT (ACKed SUCCESS: bangban uses none). A lost connection is reopened with exponential backoff
 * and jitter; a connection silent for longer than the keep-alive timeout is dropped and reopened.
 * Replies never go over the socket: they use the session webhook or the robot APIs as usual.
 */
import axios from 'axios';
import type { Logger } from '../../src/logger.ts';
import { WebSocketClient } from './websocket.ts';

export const ROBOT_TOPIC = '/v1.0/im/bot/messages/get';

export interface StreamFrame {
  specVersion?: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

export interface StreamClientOptions {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  logger: Logger;
  /**
   * A robot message body (the same JSON as the HTTP callback). Resolves when it is stored; a
   * rejection leaves the message un-ACKed so DingTalk may push it again.
   */
  onRobotMessage(body: unknown): Promise<'ok' | 'rejected'>;
  /** Reconnect backoff (default 1 s doubling to 60 s, ± 20 % jitter). */
  backoff?: { baseMs: number; maxMs: number };
  /** WebSocket ping interval; a connection silent for 3 intervals is dropped (default 20 s). */
  keepAliveMs?: number;
  random?: () => number;
}

export class DingtalkStreamClient {
  readonly #options: StreamClientOptions;
  #socket: WebSocketClient | null = null;
  #stopped = true;
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;
  #keepAlive: NodeJS.Timeout | null = null;
  /** Connections opened so far (for status and tests). */
  connections = 0;

  constructor(options: StreamClientOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#timer = null;
    this.#keepAlive = null;
    this.#socket?.close(1000, 'bangban stopping');
    this.#socket = null;
  }

  get connected(): boolean {
    return this.#socket?.open ?? false;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const log = this.#options.logger;
    let endpoint: string;
    try {
      endpoint = await this.#openTicket();
    } catch (error) {
      log.warn({ err: describe(error) }, 'DingTalk Stream: connections/open failed');
      this.#scheduleReconnect();
      return;
    }
    if (this.#stopped) return;
    const socket = new WebSocketClient(endpoint, { unref: true });
    this.#socket = socket;
    socket.on('open', () => {
      this.connections += 1;
      this.#failures = 0;
      log.info('DingTalk Stream connected');
      const every = this.#options.keepAliveMs ?? 20_000;
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      this.#keepAlive = setInterval(() => {
        if (Date.now() - socket.lastActivity > every * 3) socket.terminate('keep-alive timeout');
        else socket.ping();
      }, every);
      this.#keepAlive.unref();
    });
    socket.on('message', (text: string) => void this.#onMessage(socket, text));
    socket.on('error', (error: Error) => log.warn({ err: error.message }, 'DingTalk Stream socket error'));
    socket.on('close', (code: number, reason: string) => {
      if (this.#socket === socket) this.#socket = null;
      if (this.#keepAlive) clearInterval(this.#keepAlive);
      this.#keepAlive = null;
      if (this.#stopped) return;
      log.warn({ code, reason }, 'DingTalk Stream connection closed; reconnecting');
      this.#scheduleReconnect();
    });
  }

  async #openTicket(): Promise<string> {
    const response = await axios.post(
      `${this.#options.apiBase}/v1.0/gateway/connections/open`,
      {
        clientId: this.#options.clientId,
        clientSecret: this.#options.clientSecret,
        ua: 'bangban',
        subscriptions: [{ type: 'CALLBACK', topic: ROBOT_TOPIC }],
      },
      {
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        timeout: 10_000,
        validateStatus: () => true,
      },
    );
    const body = response.data as { endpoint?: unknown; ticket?: unknown; code?: unknown; message?: unknown };
    if (typeof body?.endpoint !== 'string' || typeof body.ticket !== 'string')
      throw new Error(
        `no endpoint/ticket (HTTP ${response.status}${typeof body?.code === 'string' ? `, ${body.code}` : ''})`,
      );
    const url = new URL(body.endpoint);
    url.searchParams.set('ticket', body.ticket);
    return url.toString();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#timer) return;
    const { baseMs, maxMs } = this.#options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
    const delay = Math.min(maxMs, baseMs * 2 ** this.#failures) * jitter;
    this.#failures = Math.min(this.#failures + 1, 16);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, delay);
    this.#timer.unref();
  }

  async #onMessage(socket: WebSocketClient, text: string): Promise<void> {
    const log = this.#options.logger;
    let frame: StreamFrame;
    try {
      frame = JSON.parse(text) as StreamFrame;
      if (typeof frame !== 'object' || frame === null || typeof frame.headers !== 'object')
        throw new Error('shape');
    } catch {
      log.warn('DingTalk Stream: a frame that is not JSON; ignored');
      return;
    }
    const messageId = String(frame.headers['messageId'] ?? '');
    const topic = String(frame.headers['topic'] ?? '');
    const ack = (data: unknown, extra: Record<string, string> = {}) =>
      socket.send(
        JSON.stringify({
          code: 200,
          headers: { contentType: 'application/json', messageId, ...extra },
          message: 'OK',
          data: typeof data === 'string' ? data : JSON.stringify(data),
        }),
      );
    if (frame.type === 'SYSTEM') {
      if (topic === 'ping') ack(frame.data, { topic: 'ping' });
      else if (topic === 'disconnect') {
        log.info('DingTalk Stream: the gateway asks to reconnect');
        socket.close(1000, 'disconnect requested');
      }
      return;
    }
    if (frame.type === 'EVENT') {
      ack({ status: 'SUCCESS', message: 'ok' });
      return;
    }
    if (frame.type === 'CALLBACK' && topic === ROBOT_TOPIC) {
      let body: unknown;
      try {
        body = JSON.parse(frame.data);
      } catch {
        log.warn({ messageId }, 'DingTalk Stream: robot callback data is not JSON; acknowledged');
        ack({ response: null });
        return;
      }
      try {
        await this.#options.onRobotMessage(body);
        ack({ response: null });
      } catch (error) {
        // Not stored: no ACK, so the gateway may push it again.
        log.error({ err: describe(error), messageId }, 'DingTalk Stream: robot message not stored');
      }
      return;
    }
    ack({ response: null });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
