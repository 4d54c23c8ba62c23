/**
 * A loopback fake of a staff work-chat channel (the stand-in for the WeCom / DingTalk APIs in
 * benches and reliability tests). Pass it to `createBangban({ staffNotifiers: [channel] })`.
 *
 * - `RecordingStaffChannel` records every notification in process, with the instant it arrived.
 * - `startLoopbackStaffApi()` puts a real HTTP hop in between, as a platform adapter would: the
 *   notifier POSTs each notification as JSON to a tiny server on 127.0.0.1, and the arrival is
 *   recorded when the server has read the request (that is what "the fake API received it" means).
 */
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { StaffNotification } from '../../src/ports.ts';

export interface RecordedNotification {
  staffId: string;
  notification: StaffNotification;
  /**
   * Arrival on the channel's clock (default the wall clock), epoch milliseconds — comparable with
   * due times the server stored when both use the same clock.
   */
  at: number;
  /** Monotonic arrival, `performance.now()` of this process (for latencies measured here). */
  hr: number;
}

type Listener = (recorded: RecordedNotification) => void;

/** Records staff notifications; also usable on its own as an in-process `StaffNotifier`. */
export class RecordingStaffChannel {
  readonly received: RecordedNotification[] = [];
  readonly #listeners = new Set<Listener>();
  readonly #clock: { now(): Date };

  /** Pass the server's clock when it is not the wall clock (a bench that shifts time). */
  constructor(options: { clock?: { now(): Date } } = {}) {
    this.#clock = options.clock ?? { now: () => new Date() };
  }

  async notifyStaff(staffId: string, notification: StaffNotification): Promise<void> {
    this.record(staffId, notification);
  }

  /** Stores one arrival and tells the listeners (the loopback server calls this too). */
  record(staffId: string, notification: StaffNotification): RecordedNotification {
    const recorded: RecordedNotification = {
      staffId,
      notification,
      at: this.#clock.now().getTime(),
      hr: performance.now(),
    };
    this.received.push(recorded);
    for (const listener of this.#listeners) listener(recorded);
    return recorded;
  }

  /** Calls `listener` for every later arrival; returns the unsubscribe function. */
  onNotification(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  ofType<T extends StaffNotification['type']>(
    type: T,
  ): Array<RecordedNotification & { notification: Extract<StaffNotification, { type: T }> }> {
    return this.received.filter(
      (r): r is RecordedNotification & { notification: Extract<StaffNotification, { type: T }> } =>
        r.notification.type === type,
    );
  }

  /** Arrivals about one conversation (notifications that carry one), in arrival order. */
  forConversation(conversationId: string): RecordedNotification[] {
    return this.received.filter((r) => conversationIdOf(r.notification) === conversationId);
  }

  /** Resolves with the first arrival (past or future) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (r: RecordedNotification) => boolean, timeoutMs = 5000): Promise<RecordedNotification> {
    const found = this.received.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching staff notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onNotification((r) => {
        if (!predicate(r)) return;
        clearTimeout(timer);
        stop();
        resolve(r);
      });
    });
  }

  clear(): void {
    this.received.length = 0;
  }
}

/** The conversation a notification is about, if it names one. */
export function conversationIdOf(notification: StaffNotification): string | undefined {
  if (notification.type === 'info') return notification.conversationId;
  return notification.conversation.id;
}

export interface LoopbackStaffApi {
  /** `http://127.0.0.1:<port>` of the fake API. */
  url: string;
  /**
   * What the fake API received. The notifications went through JSON, so their Date fields
   * (createdAt, handoffAt, slaDueAt …) arrive as ISO strings.
   */
  channel: RecordingStaffChannel;
  /** Give this to createBangban: it POSTs every notification to the fake API and waits for the 200. */
  notifier: { notifyStaff(staffId: string, notification: StaffNotification): Promise<void> };
  close(): Promise<void>;
}

/** Starts the fake staff API on an ephemeral loopback port. */
export async function startLoopbackStaffApi(): Promise<LoopbackStaffApi> {
  const channel = new RecordingStaffChannel();
  const server = createServer((req, res) => void receive(req, res, channel));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const notifier = loopbackStaffNotifier(url);
  return {
    url,
    channel,
    notifier,
    close: async () => {
      notifier.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A staff notifier that POSTs every notification to a loopback staff API at `url` and waits for
 * the 200 (another process may run the API: benches keep the server and the load apart).
 */
export function loopbackStaffNotifier(url: string): {
  notifyStaff(staffId: string, notification: StaffNotification): Promise<void>;
  close(): void;
} {
  const { port } = new URL(url);
  // Keep-alive, as a real adapter's HTTP client would, so each notification is one request.
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  return {
    notifyStaff: (staffId, notification) =>
      postJson(agent, Number(port), JSON.stringify({ staffId, notification })),
    close: () => agent.destroy(),
  };
}

async function receive(
  req: IncomingMessage,
  res: ServerResponse,
  channel: RecordingStaffChannel,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      staffId: string;
      notification: StaffNotification;
    };
    channel.record(body.staffId, body.notification);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
  } catch {
    res.writeHead(400).end('{"errcode":40001}');
  }
}

function postJson(agent: Agent, port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/notify',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`fake staff API answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
