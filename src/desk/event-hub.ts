import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database.ts';

export interface EventHubLogger {
  warn(obj: object, msg?: string): void;
}

export interface EventHubOptions<T> {
  /** Needs only `listen` and `notify` (PGlite delivers in-process, a server over LISTEN). */
  database: Pick<Database, 'listen' | 'notify'>;
  /** The NOTIFY channel, one per kind of hub (`bangban_webchat`, `bangban_desk`). */
  channel: string;
  logger: EventHubLogger;
  /**
   * What goes over NOTIFY when `payload` itself is too big for it (PostgreSQL caps a payload at
   * 8000 bytes): subscribers elsewhere get this instead, e.g. "refresh".
   */
  oversized: (payload: T) => T;
  /** Distinguishes this process, so its own NOTIFYs are not delivered twice. */
  instanceId?: string;
  /** Sees every event, local or from another instance, before its subscribers (e.g. to cache it). */
  observe?: (key: string, payload: T) => void;
}

export interface EventHub<T> {
  /** Subscribes to LISTEN; until then only local publishes are delivered. */
  start(): Promise<void>;
  /** Delivers to this process's subscribers of `key` now and to other instances through NOTIFY. */
  publish(key: string, payload: T): Promise<void>;
  subscribe(key: string, listener: (payload: T) => void): () => void;
  /** How many listeners `key` has here (tests, metrics). */
  listenerCount(key: string): number;
  /** Registers an open stream so `close()` can end it; returns the unregister function. */
  track(stream: { close(): void }): () => void;
  /** Stops listening and ends every tracked stream (call before closing the HTTP server). */
  close(): Promise<void>;
}

interface Envelope<T> {
  o: string;
  k: string;
  p: T;
}

// PostgreSQL's NOTIFY payload limit is 8000 bytes; stay clear of it.
const MAX_NOTIFY_BYTES = 7000;

/**
 * In-process fan-out keyed by session or staff id, plus NOTIFY so subscribers connected to another
 * instance hear it too (ARCHITECTURE.md §9: instances are stateless). Delivery is best effort;
 * streams re-read the database on every wake-up and on their heartbeat, so a lost NOTIFY only
 * delays an event.
 */
export function createEventHub<T>(options: EventHubOptions<T>): EventHub<T> {
  const instanceId = options.instanceId ?? randomUUID();
  const listeners = new Map<string, Set<(payload: T) => void>>();
  const streams = new Set<{ close(): void }>();
  let unlisten: (() => Promise<void>) | undefined;

  const deliver = (key: string, payload: T): void => {
    options.observe?.(key, payload);
    for (const listener of listeners.get(key) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        options.logger.warn({ err: error, channel: options.channel }, 'event listener failed');
      }
    }
  };

  const onNotify = (text: string): void => {
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(text) as Envelope<T>;
    } catch {
      return;
    }
    if (envelope.o === instanceId || typeof envelope.k !== 'string') return;
    deliver(envelope.k, envelope.p);
  };

  return {
    async start() {
      unlisten ??= await options.database.listen(options.channel, onNotify);
    },
    async publish(key, payload) {
      deliver(key, payload);
      let text = JSON.stringify({ o: instanceId, k: key, p: payload } satisfies Envelope<T>);
      if (Buffer.byteLength(text) > MAX_NOTIFY_BYTES) {
        text = JSON.stringify({ o: instanceId, k: key, p: options.oversized(payload) } satisfies Envelope<T>);
      }
      try {
        await options.database.notify(options.channel, text);
      } catch (error) {
        // Local subscribers already have it; others catch up on their next heartbeat read.
        options.logger.warn({ err: error, channel: options.channel }, 'NOTIFY failed');
      }
    },
    subscribe(key, listener) {
      let set = listeners.get(key);
      if (!set) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
      };
    },
    listenerCount(key) {
      return listeners.get(key)?.size ?? 0;
    },
    track(stream) {
      streams.add(stream);
      return () => streams.delete(stream);
    },
    async close() {
      const stop = unlisten;
      unlisten = undefined;
      for (const stream of [...streams]) stream.close();
      streams.clear();
      listeners.clear();
      await stop?.();
    },
  };
}
