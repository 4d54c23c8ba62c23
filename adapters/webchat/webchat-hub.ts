import type { Database } from '../../src/storage/database.ts';
import { createEventHub, type EventHubLogger } from '../../src/desk/event-hub.ts';
import { ChoiceCache, type Choice } from './choice-cache.ts';

/** "Session X has something new"; an outbound text's buttons travel along so every instance can show them. */
export interface WebchatEvent {
  conversationId?: string;
  choices?: { textHash: string; items: Choice[] };
}

export const WEBCHAT_NOTIFY_CHANNEL = 'bangban_webchat';

export interface WebchatHub {
  /** LISTEN for other instances' events; call once at boot. */
  start(): Promise<void>;
  /** Wakes the session's streams here and on every other instance. */
  publish(sessionId: string, event: WebchatEvent): Promise<void>;
  subscribe(sessionId: string, listener: (event: WebchatEvent) => void): () => void;
  listenerCount(sessionId: string): number;
  track(stream: { close(): void }): () => void;
  /** The buttons sent with this outbound text in this conversation, if known. */
  choicesFor(conversationId: string, text: string): Choice[] | undefined;
  /** Ends every open widget stream and stops listening (before the HTTP server closes). */
  close(): Promise<void>;
}

/** The webchat channel's event bus, keyed by webchat session id. */
export function createWebchatHub(options: {
  database: Pick<Database, 'listen' | 'notify'>;
  logger: EventHubLogger;
  instanceId?: string;
}): WebchatHub {
  const choices = new ChoiceCache();
  const hub = createEventHub<WebchatEvent>({
    database: options.database,
    channel: WEBCHAT_NOTIFY_CHANNEL,
    logger: options.logger,
    instanceId: options.instanceId,
    // Without its buttons the event still wakes the streams; the text shows the options anyway.
    oversized: (event) => ({ ...(event.conversationId ? { conversationId: event.conversationId } : {}) }),
    observe: (_key, event) => {
      if (event.conversationId && event.choices)
        choices.set(event.conversationId, event.choices.textHash, event.choices.items);
    },
  });
  return {
    start: () => hub.start(),
    publish: (sessionId, event) => hub.publish(sessionId, event),
    subscribe: (sessionId, listener) => hub.subscribe(sessionId, listener),
    listenerCount: (sessionId) => hub.listenerCount(sessionId),
    track: (stream) => hub.track(stream),
    choicesFor: (conversationId, text) => choices.get(conversationId, text),
    close: () => hub.close(),
  };
}
