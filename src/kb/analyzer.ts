/**
 * Turns text (a question or an entry field) into retrieval terms: normalise, fix common typos,
 * segment, map synonyms to their canonical form, drop stopwords. Entries and questions go through
 * the same path, so both sides meet on the canonical words.
 *
 * Each word of the text becomes one *concept*: its canonical term first, then the shorter words
 * inside it (药证 → 药品生产许可证, 药品, 生产, 许可证 …). Ranking and confidence weigh concepts, not
 * raw terms, so one long phrase cannot outvote the rest of the question.
 */
import { createSegmenter, normalizeText, MAX_QUESTION_CHARS, type Segmenter } from './segment.ts';
import type { Lexicon } from './synonyms.ts';

export interface Concept {
  /** terms[0] is the word itself (canonical form); the rest are the words inside it. */
  terms: string[];
  /** How much the word's part of speech says about the topic: nouns 1, verbs/adjectives 0.5, other 0.25. */
  salience: number;
  /**
   * The largest words inside it (not themselves inside another inner word): 三类医疗器械 → 三类,
   * 医疗器械. Partial matches are judged on these, so 医疗 and 器械 do not outvote 三类.
   */
  parts: string[];
}

export interface Analyzer {
  /** Terms in text order, repeats kept (term frequency counts for ranking). */
  terms(text: string, maxChars?: number): string[];
  /** The concepts of a question (first `MAX_QUESTION_CHARS` characters, at most 32 words), each word once. */
  concepts(question: string): Concept[];
  /** Distinct terms of a question. */
  queryTerms(question: string): string[];
  /** Normalised text after typo correction (what gets segmented). */
  prepare(text: string, maxChars?: number): string;
  isOutOfScopeTerm(term: string): boolean;
  /** The service item a term names (from the lexicon's `items`), if any. */
  itemOf(term: string): string | undefined;
  /** The lexicon's words for an item, as one text (indexed with each of the item's entries). */
  itemScopeText(item: string): string;
  readonly segmenter: Segmenter;
}

/**
 * A question is read up to this many distinct words. Real questions have far fewer; a pasted page
 * has hundreds, and matching them all would cost time without making any answer more likely.
 */
const MAX_CONCEPTS = 32;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const norm = (w: string): string => normalizeText(w, 200).replace(/ /g, '');

/**
 * jieba tags: n* nouns, vn verbal nouns, eng Latin words, i/l idioms, '' our dictionary words. A
 * lone character that is no synonym is usually a fragment of a word jieba could not place (书 of
 * 证书), so it counts little.
 */
function tagSalience(tag: string): number {
  if (
    tag === '' ||
    tag.startsWith('n') ||
    tag === 'vn' ||
    tag === 'eng' ||
    tag === 'i' ||
    tag === 'l' ||
    tag === 'j'
  )
    return 1;
  if (tag.startsWith('v') || tag.startsWith('a')) return 0.5;
  return 0.25;
}

export function createAnalyzer(lexicon: Lexicon): Analyzer {
  const groups = lexicon.groups
    .map((g) => g.map(norm).filter((w) => w.length > 0))
    .filter((g) => g.length >= 2);
  const typoEntries = Object.entries(lexicon.typos)
    .map(([wrong, right]) => [norm(wrong), norm(right)] as const)
    .filter(([wrong]) => wrong.length > 0);
  const typoMap = new Map(typoEntries);
  // Longest first so a long key wins over a shorter overlapping one.
  const typoPattern =
    typoEntries.length > 0
      ? new RegExp(
          typoEntries
            .map(([w]) => w)
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        )
      : undefined;

  const outOfScope = new Set(lexicon.outOfScope.map(norm));
  const segmenter = createSegmenter([
    ...lexicon.dictionary,
    ...groups.flat().map((w) => ({ word: w })),
    ...[...outOfScope].map((w) => ({ word: w })),
    ...typoEntries.map(([, right]) => ({ word: right })),
  ]);
  const stopwords = new Set(lexicon.stopwords.map(norm));

  const canonicalOf = new Map<string, string>();
  for (const group of groups) for (const w of group) if (!canonicalOf.has(w)) canonicalOf.set(w, group[0]!);

  /** The word inside-words, canonicalised, without stopwords and without the word itself. */
  function innerTerms(word: string, canonical: string): string[] {
    const out = new Set<string>();
    for (const sub of segmenter.subwords(word)) {
      const c = canonicalOf.get(sub) ?? sub;
      if (c !== canonical && !stopwords.has(c)) out.add(c);
    }
    return [...out];
  }

  const conceptCache = new Map<string, string[] | null>();
  /** Terms of one word (null: a stopword). A synonym brings the words inside its canonical form. */
  function termsOfWord(word: string): string[] | null {
    const cached = conceptCache.get(word);
    if (cached !== undefined) return cached;
    const canonical = canonicalOf.get(word);
    let terms: string[] | null;
    if (canonical !== undefined) {
      terms = [canonical, ...new Set([...innerTerms(canonical, canonical), ...innerTerms(word, canonical)])];
    } else if (stopwords.has(word)) {
      terms = null;
    } else {
      terms = [word, ...innerTerms(word, word)];
    }
    if (conceptCache.size > 100_000) conceptCache.clear();
    conceptCache.set(word, terms);
    return terms;
  }

  function prepare(text: string, maxChars = MAX_QUESTION_CHARS): string {
    const normalized = normalizeText(text, maxChars);
    return typoPattern ? normalized.replace(typoPattern, (m) => typoMap.get(m) ?? m) : normalized;
  }

  const partsCache = new Map<string, string[]>();
  function partsOf(terms: readonly string[]): string[] {
    const key = terms[0]!;
    const cached = partsCache.get(key);
    if (cached) return cached;
    const inner = terms.slice(1);
    const parts = inner.filter((t) => !inner.some((u) => u !== t && u.length > t.length && u.includes(t)));
    if (partsCache.size > 100_000) partsCache.clear();
    partsCache.set(key, parts);
    return parts;
  }

  function salienceOf(word: string, tag: string): number {
    if (canonicalOf.has(word) || segmenter.vocabulary.has(word)) return 1;
    if (word.length === 1 && !/[0-9a-z]/.test(word)) return 0.25;
    // Years, document and phone numbers (2024, 132, 12345) are specific; small counts are not.
    if (/^[0-9]{3,}$/.test(word)) return 1;
    return tagSalience(tag);
  }

  function concepts(question: string): Concept[] {
    const seen = new Set<string>();
    const out: Concept[] = [];
    for (const { word, tag } of segmenter.tokens(prepare(question))) {
      const terms = termsOfWord(word);
      if (!terms || seen.has(terms[0]!)) continue;
      seen.add(terms[0]!);
      out.push({ terms, salience: salienceOf(word, tag), parts: partsOf(terms) });
      if (out.length >= MAX_CONCEPTS) break;
    }
    return out;
  }

  function terms(text: string, maxChars = MAX_QUESTION_CHARS): string[] {
    const out: string[] = [];
    for (const { word } of segmenter.tokens(prepare(text, maxChars))) {
      const t = termsOfWord(word);
      if (t) out.push(...t);
    }
    return out;
  }

  // An item word that is one concept (化妆品生产许可证) names the item; longer phrases only add scope text.
  const itemOfTerm = new Map<string, string>();
  for (const [item, words] of Object.entries(lexicon.items)) {
    for (const w of words) {
      const cs = concepts(w);
      if (cs.length === 1) itemOfTerm.set(cs[0]!.terms[0]!, item);
    }
  }

  return {
    segmenter,
    prepare,
    itemOf: (term) => itemOfTerm.get(term),
    itemScopeText: (item) => (lexicon.items[item] ?? []).join(' '),
    terms,
    concepts,
    queryTerms: (question) => [...new Set(concepts(question).flatMap((c) => c.terms))],
    isOutOfScopeTerm: (term) => outOfScope.has(term),
  };
}
