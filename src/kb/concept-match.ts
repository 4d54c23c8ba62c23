/**
 * How well an entry matches a question, concept by concept: coverage (how much of the question the
 * entry holds, and the weight of the worst miss) and similarity with the entry's closest phrasing.
 * These drive re-ranking (kb-index.ts) and the confidence features (confidence.ts).
 */
import type { Concept } from './analyzer.ts';
import { isStrong, type KbField, type TermStats } from './term-stats.ts';

/**
 * Concept weights use idf with a floor (share of the maximum idf): words every entry of an item
 * uses (药品生产许可证) still decide which item a question is about.
 */
const IDF_FLOOR = 0.3;
/** Coverage credit of a word found only in the answer body: mentioned in passing, not the topic. */
const ANSWER_ONLY_CREDIT = 0.85;
/** Coverage credit of a word matched only through the entry's item scope (it names the entry's item). */
const SCOPE_ONLY_CREDIT = 1;
/** Cap on the credit the inner words give when the KB knows the whole word but this entry lacks it. */
const INNER_CREDIT_KNOWN_WORD = 0.5;

export interface Coverage {
  /** Weighted share of the question's concepts this entry contains (0..1). */
  coverage: number;
  /** The same, counting only title, phrasings and keywords. */
  strongCoverage: number;
  /** The largest unmatched concept weight, relative to the maximum idf (0..1): one key word missing. */
  missing: number;
  /**
   * The same, among words other entries use: the KB knows the word, so its absence here suggests the
   * entry is about something else, while a word no entry uses is often just colloquial.
   */
  missingKnown: number;
}

/** A title or listed phrasing, analysed. */
export interface Phrase {
  concepts: Concept[];
  terms: Set<string>;
}

export interface ConceptMatcher {
  coverage(concepts: readonly Concept[], matched: ReadonlyMap<string, readonly KbField[]>): Coverage;
  /** Two-way similarity of the question with the closest of `phrases` (0..1). */
  similarity(
    concepts: readonly Concept[],
    queryTerms: ReadonlySet<string>,
    phrases: readonly Phrase[],
  ): number;
  /** Forget cached weights (call after the index changes). */
  invalidate(): void;
}

/** Coverage credit of a match by where it is: title/phrasings/keywords, the answer body, or only the item scope. */
function credit(fields: readonly KbField[]): number {
  return isStrong(fields) ? 1 : fields.includes('answer') ? ANSWER_ONLY_CREDIT : SCOPE_ONLY_CREDIT;
}

/** Share of a concept present in a set of terms: the word itself 1, else its largest inner words (at most half). */
function presence(c: Concept, terms: ReadonlySet<string>): number {
  if (terms.has(c.terms[0]!)) return 1;
  if (c.parts.length === 0) return 0;
  let n = 0;
  for (const t of c.parts) if (terms.has(t)) n++;
  return (0.5 * n) / c.parts.length;
}

export function createConceptMatcher(stats: TermStats): ConceptMatcher {
  let weightCache = new WeakMap<Concept, number>();

  /** Weight of a concept: salience × idf of its own word, with a floor; unknown words half the maximum. */
  function weightOf(c: Concept): number {
    let w = weightCache.get(c);
    if (w === undefined) {
      const main = c.terms[0]!;
      const top = stats.maxIdf();
      w = c.salience * Math.max(IDF_FLOOR * top, stats.docFreq(main) > 0 ? stats.idf(main) : top / 2);
      weightCache.set(c, w);
    }
    return w;
  }

  /**
   * How much of one concept an entry holds (0..1), overall and in the strong fields. The word itself
   * counts fully; otherwise the largest words inside it give partial credit by idf — halved when
   * the KB uses the whole word elsewhere, since then its absence here means the entry is about
   * something else (注册证 vs 药品生产许可证).
   */
  function conceptMatch(
    c: Concept,
    matched: ReadonlyMap<string, readonly KbField[]>,
  ): { fraction: number; strongFraction: number } {
    const main = c.terms[0]!;
    const mainFields = matched.get(main);
    if (mainFields) return { fraction: credit(mainFields), strongFraction: isStrong(mainFields) ? 1 : 0 };
    let all = 0;
    let part = 0;
    let strongPart = 0;
    for (const t of c.parts) {
      const w = stats.idf(t);
      all += w;
      const fields = matched.get(t);
      if (!fields) continue;
      part += w * credit(fields);
      if (isStrong(fields)) strongPart += w;
    }
    if (all === 0) return { fraction: 0, strongFraction: 0 };
    const scale = stats.docFreq(main) > 0 ? INNER_CREDIT_KNOWN_WORD : 1;
    return { fraction: (scale * part) / all, strongFraction: (scale * strongPart) / all };
  }

  return {
    coverage(concepts, matched) {
      const top = stats.maxIdf();
      let total = 0;
      let hit = 0;
      let strongHit = 0;
      let missing = 0;
      let missingKnown = 0;
      for (const c of concepts) {
        const weight = weightOf(c);
        const { fraction, strongFraction } = conceptMatch(c, matched);
        total += weight;
        hit += weight * fraction;
        strongHit += weight * strongFraction;
        const miss = (weight * (1 - fraction)) / top;
        missing = Math.max(missing, miss);
        if (c.terms.some((t) => stats.docFreq(t) > 0)) missingKnown = Math.max(missingKnown, miss);
      }
      if (total === 0) return { coverage: 0, strongCoverage: 0, missing: 0, missingKnown: 0 };
      return { coverage: hit / total, strongCoverage: strongHit / total, missing, missingKnown };
    },

    // Both ways: the weighted share of the question found in the phrasing and of the phrasing found in
    // the question. High only when the two say the same thing, not merely share a topic.
    similarity(concepts, queryTerms, phrases) {
      let best = 0;
      for (const phrase of phrases) {
        let num = 0;
        let den = 0;
        for (const c of concepts) {
          const w = weightOf(c);
          den += w;
          num += w * presence(c, phrase.terms);
        }
        for (const c of phrase.concepts) {
          const w = weightOf(c);
          den += w;
          num += w * presence(c, queryTerms);
        }
        if (den > 0) best = Math.max(best, num / den);
      }
      return best;
    },

    invalidate() {
      weightCache = new WeakMap();
    },
  };
}
