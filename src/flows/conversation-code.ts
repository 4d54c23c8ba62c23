import { randomInt, randomUUID } from 'node:crypto';
import type { IdSource } from './flow-deps.ts';

/** No 0/O or 1/I: staff read codes off a phone and type them back (`#K7Q2`). */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 32^4 ≈ 1 million codes; a collision is retried with a new code, then with a longer one. */
export function codeLengthForAttempt(attempt: number): number {
  return attempt < 3 ? 4 : attempt < 6 ? 5 : 6;
}

export const randomIds: IdSource = {
  conversationId: () => randomUUID(),
  code: (length) => Array.from({ length }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join(''),
};
