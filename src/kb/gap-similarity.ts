/**
 * When are two unanswered questions "the same gap"? Both are normalised (full-width → half-width,
 * lower case, punctuation, spaces and emoji dropped) and compared by the Jaccard similarity of
 * their character bigrams. Chinese has no spaces, so character bigrams are the usual cheap
 * stand-in for words; they tolerate a changed particle or an added 请问 without any dictionary.
 *
 * Threshold 0.6, measured on pairs like these (test/kb/gap-similarity.test.ts):
 *   二类医疗器械注册要多久 / 请问二类医疗器械注册要多久？      0.83  grouped
 *   二类医疗器械注册要多久 / 二类医疗器械注册要多久啊😀        0.91  grouped
 *   二类医疗器械注册要多久 / ＡＢＣ二类医疗器械注册要多久      0.77  grouped
 *   二类医疗器械注册要多久 / 二类医疗器械注册要交什么材料      0.53  separate (another question)
 *   二类医疗器械注册要多久 / 二类医疗器械注册需要多长时间      0.53  separate (same meaning, reworded)
 * Bigrams cannot tell a reworded question from a different one about the same item (both share
 * the item's name), so the threshold sits above that band: a reworded question becomes a second
 * gap a maintainer closes with the same entry, which is cheaper than hiding a different question
 * inside someone else's group.
 */

export const GAP_SIMILARITY_THRESHOLD = 0.6;
/** Longer pastes are compared on their start only (a 10 000-character paste costs no more than this). */
const MAX_COMPARED_CHARS = 300;

export function normaliseQuestion(question: string): string {
  return [
    ...question
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ''),
  ]
    .slice(0, MAX_COMPARED_CHARS)
    .join('');
}

/** Character bigrams of a normalised question (a one-character question is its own "bigram"). */
export function bigrams(normalised: string): Set<string> {
  const chars = [...normalised];
  if (chars.length < 2) return new Set(chars);
  const set = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i += 1) set.add(chars[i]! + chars[i + 1]!);
  return set;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared += 1;
  return shared / (a.size + b.size - shared);
}

export function questionSimilarity(a: string, b: string): number {
  return jaccard(bigrams(normaliseQuestion(a)), bigrams(normaliseQuestion(b)));
}

/** The most similar candidate at or above the threshold, if any. */
export function closestGroup<T extends { normalizedQuestion: string }>(
  normalised: string,
  candidates: readonly T[],
): T | undefined {
  const mine = bigrams(normalised);
  let best: T | undefined;
  let bestScore = GAP_SIMILARITY_THRESHOLD;
  for (const candidate of candidates) {
    const score = jaccard(mine, bigrams(candidate.normalizedQuestion));
    if (score >= bestScore && (best === undefined || score > bestScore)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
