import pg from 'pg';
import type { StorageLogger } from './database.ts';

type Callback = (payload: string) => void;

/**
 * One dedicated connection for LISTEN (a pooled connection would drop its subscriptions when
 * returned). If the connection fails it reconnects after `retryMs` and listens again; the job
 * runners' periodic sweep covers notifications missed meanwhile.
 */
export class PgListener {
  readonly #connectionString: string;
  readonly #logger: StorageLogger;
  readonly #retryMs: number;
  readonly #callbacks = new Map<string, Set<Callback>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(connectionString: string, logger: StorageLogger, retryMs = 1000) {
    this.#connectionString = connectionString;
    this.#logger = logger;
    this.#retryMs = retryMs;
  }

  async listen(channel: string, callback: Callback): Promise<() => Promise<void>> {
    let set = this.#callbacks.get(channel);
    const isNewChannel = set === undefined;
    if (!set) {
      set = new Set();
      this.#callbacks.set(channel, set);
    }
    set.add(callback);
    try {
      const client = await this.#connected();
      if (isNewChannel) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      // Not fatal: callers also sweep. Keep trying in the background.
      this.#logger.warn({ err: (error as Error).message }, 'LISTEN failed; retrying in the background');
      this.#scheduleReconnect();
    }
    return async () => {
      set.delete(callback);
      if (set.size > 0 || this.#callbacks.get(channel) !== set) return;
      this.#callbacks.delete(channel);
      await this.#client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#client ?? (await this.#connecting?.catch(() => null));
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  #connected(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#connectionString });
    client.on('notification', (message) => {
      for (const callback of this.#callbacks.get(message.channel) ?? []) callback(message.payload ?? '');
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    await client.connect();
    for (const channel of this.#callbacks.keys())
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (this.#closed) {
      await client.end();
      throw new Error('listener closed');
    }
    this.#client = client;
    return client;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = null;
    this.#logger.warn({ err: error.message }, 'LISTEN connection lost; reconnecting');
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closed || this.#callbacks.size === 0) return;
      this.#connected().catch((error: Error) => {
        this.#logger.warn({ err: error.message }, 'LISTEN reconnect failed; retrying');
        this.#scheduleReconnect();
      });
    }, this.#retryMs);
    this.#retryTimer.unref();
  }
}
