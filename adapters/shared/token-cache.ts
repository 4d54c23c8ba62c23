import type { Clock } from '../../src/ports.ts';

/**
 * One access_token per (corp, secret), cached until shortly before it expires and fetched by one
 * caller at a time: concurrent callers share the in-flight request (single-flight), because
 * gettoken is frequency-limited and 2000 bad calls an hour block the corp (protocols §5.1).
 */
export class TokenCache {
  readonly #fetch: () => Promise<{ token: string; expiresInSeconds: number }>;
  readonly #clock: Clock;
  /** Refresh this long before the platform says the token expires. */
  readonly #marginMs: number;
  #current: { token: string; expiresAt: number } | null = null;
  #inFlight: Promise<string> | null = null;

  constructor(options: {
    fetch: () => Promise<{ token: string; expiresInSeconds: number }>;
    clock: Clock;
    marginSeconds?: number;
  }) {
    this.#fetch = options.fetch;
    this.#clock = options.clock;
    this.#marginMs = (options.marginSeconds ?? 300) * 1000;
  }

  get(): Promise<string> {
    const current = this.#current;
    if (current && this.#clock.now().getTime() < current.expiresAt) return Promise.resolve(current.token);
    return this.#refresh();
  }

  /**
   * Drops `token` after WeCom rejected it (40014/42001/41001). A token already replaced by another
   * caller's refresh is left alone, so N callers failing together cause one gettoken, not N.
   */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = null;
  }

  #refresh(): Promise<string> {
    this.#inFlight ??= (async () => {
      try {
        const { token, expiresInSeconds } = await this.#fetch();
        const lifetimeMs = Math.max(expiresInSeconds * 1000 - this.#marginMs, 0);
        this.#current = { token, expiresAt: this.#clock.now().getTime() + lifetimeMs };
        return token;
      } finally {
        this.#inFlight = null;
      }
    })();
    return this.#inFlight;
  }
}
