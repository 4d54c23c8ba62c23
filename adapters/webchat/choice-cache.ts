import { createHash } from 'node:crypto';

export interface Choice {
  key: string;
  label: string;
}

/**
 * The buttons that went with outbound texts. The `messages` table keeps only the text, so the
 * gateway remembers `choices` here (keyed by conversation and a hash of the text) and the streams
 * attach them when they read the stored message. Bounded; an evicted or pre-restart message
 * simply shows without buttons (its text still names the options).
 */
export class ChoiceCache {
  readonly #entries = new Map<string, Choice[]>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  static textHash(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22);
  }

  set(conversationId: string, textHash: string, choices: Choice[]): void {
    const key = `${conversationId}:${textHash}`;
    this.#entries.delete(key);
    this.#entries.set(key, choices);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  get(conversationId: string, text: string): Choice[] | undefined {
    return this.#entries.get(`${conversationId}:${ChoiceCache.textHash(text)}`);
  }
}
