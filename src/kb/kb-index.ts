/**
 * The in-memory retrieval index over published KB entries, updated one entry at a time.
 * minisearch (BM25 over title, phrasings, keywords, answer and the item's name, tokenised by the KB
 * analyzer) proposes candidates; each candidate is then re-scored exactly: BM25 × concept coverage
 * × similarity with its closest phrasing × the item signal.
 */
import MiniSearch from 'minisearch';
import type { Analyzer, Concept } from './analyzer.ts';
import { createConceptMatcher, type Coverage, type Phrase } from './concept-match.ts';
import type { KbEntry, KbItem } from './entry.ts';
import { impliedItemOf, itemFactor, mentionsNamedItem } from './item-signal.ts';
import { createTermStats, FIELD_BOOST, KB_FIELDS, type FieldTerms, type KbField } from './term-stats.ts';

export { KB_FIELDS, type KbField } from './term-stats.ts';

// Entry fields are indexed whole (answers can be long); questions are capped by the analyzer.
const MAX_FIELD_CHARS = 20_000;
/**
 * minisearch finds candidates with the question's rarer terms: terms are taken rarest first until
 * their postings exceed this budget (the rarest always). A KB of a few hundred entries rarely hits
 * the budget; at 10 000 entries it keeps words like 生产 or 许可 from costing tens of milliseconds.
 */
const POSTING_BUDGET = 600;
const CANDIDATE_FIELDS = KB_FIELDS.filter((f) => f !== 'scope');
/** Candidates re-scored exactly. */
const CANDIDATES = 30;
/** Share of a concept's query weight carried by the word itself (the rest goes to the words inside it). */
const MAIN_TERM_SHARE = 0.6;
/**
 * Re-ranking: score = BM25 × (1 − c + c × coverage) × (1 − s + s × similarity) × item factor.
 * BM25 alone lets one heavily repeated word outrank an entry that answers every part of the
 * question. Weights chosen on the train split (src/kb/README.md).
 */
const COVERAGE_RANK_WEIGHT = 0.7;
const SIMILARITY_RANK_WEIGHT = 0.5;

export interface KbHit extends Coverage {
  entry: KbEntry;
  /** Final ranking score. */
  score: number;
  /** Plain BM25 over the weighted question terms. */
  bm25: number;
  /** Query terms matched, with the fields each matched in. */
  matched: Map<string, KbField[]>;
  /** Two-way similarity with the entry's closest title/phrasing (0..1). */
  similarity: number;
}

export interface KbSearchOptions {
  /** The conversation's service item: its entries (and general ones) are favoured. */
  item?: string;
  limit?: number;
}

export interface KbSearchResult {
  /** The analysed question: one concept per word. */
  concepts: Concept[];
  /** Distinct terms of all concepts. */
  terms: string[];
  hits: KbHit[];
  /** Item the question names, or else the one its distinctive words point to, if any. */
  impliedItem?: KbItem;
  /** 1 when the question names the item; else the share of the distinctive evidence for it (0..1). */
  impliedItemStrength: number;
  /** True when the question names exactly one item. */
  namesItem: boolean;
}

export interface KbIndex {
  /** Adds or replaces an entry; entries that are not published are removed from the index. */
  upsert(entry: KbEntry): void;
  remove(id: string): boolean;
  get(id: string): KbEntry | undefined;
  readonly size: number;
  search(question: string, options?: KbSearchOptions): KbSearchResult;
  searchConcepts(concepts: readonly Concept[], options?: KbSearchOptions): KbSearchResult;
  /** Number of indexed entries whose text contains `term`. */
  docFreq(term: string): number;
}

type IndexedDoc = { id: string } & Record<KbField, string>;

function toDoc(entry: KbEntry, scopeText: string): IndexedDoc {
  return {
    id: entry.id,
    title: entry.title,
    questions: entry.questions.join('\n'),
    keywords: entry.keywords.join('\n'),
    answer: entry.answer,
    scope: scopeText,
  };
}

/**
 * Query weight of each term: a word's own (canonical) term carries most of its concept's weight,
 * the words inside it share the rest, and the whole is scaled by the word's salience.
 */
function termWeights(concepts: readonly Concept[]): Map<string, number> {
  const weights = new Map<string, number>();
  for (const c of concepts) {
    const [main, ...inner] = c.terms;
    weights.set(main!, (weights.get(main!) ?? 0) + (inner.length === 0 ? 1 : MAIN_TERM_SHARE) * c.salience);
    for (const t of inner)
      weights.set(t, (weights.get(t) ?? 0) + ((1 - MAIN_TERM_SHARE) / inner.length) * c.salience);
  }
  return weights;
}

export function createKbIndex(analyzer: Analyzer): KbIndex {
  const entries = new Map<string, KbEntry>();
  const docs = new Map<string, IndexedDoc>();
  /** Per entry: its title and each listed phrasing, analysed (for similarity). */
  const phrases = new Map<string, Phrase[]>();
  const stats = createTermStats();
  const matcher = createConceptMatcher(stats);
  /** Set while minisearch adds or removes a document, so its tokenizer reuses our analysis. */
  let current: FieldTerms | undefined;

  const mini = new MiniSearch<IndexedDoc>({
    fields: [...KB_FIELDS],
    idField: 'id',
    tokenize: (text, field) => current?.[field as KbField] ?? analyzer.terms(text, MAX_FIELD_CHARS),
    processTerm: (term) => term,
    autoVacuum: false,
    searchOptions: {
      tokenize: (text) => text.split(' '),
      processTerm: (term) => term,
      boost: FIELD_BOOST,
      combineWith: 'OR',
    },
  });

  function withTerms(terms: FieldTerms, run: () => void): void {
    current = terms;
    try {
      run();
    } finally {
      current = undefined;
    }
  }

  function analyseFields(doc: IndexedDoc): FieldTerms {
    return Object.fromEntries(
      KB_FIELDS.map((f) => [f, analyzer.terms(doc[f], MAX_FIELD_CHARS)]),
    ) as FieldTerms;
  }

  function toPhrase(text: string): Phrase {
    const concepts = analyzer.concepts(text);
    return { concepts, terms: new Set(concepts.flatMap((c) => c.terms)) };
  }

  function remove(id: string): boolean {
    const entry = entries.get(id);
    const doc = docs.get(id);
    if (!entry || !doc) return false;
    // Re-analysing costs about a millisecond; keeping every entry's term lists would cost far more memory.
    const terms = analyseFields(doc);
    withTerms(terms, () => mini.remove(doc));
    stats.remove(id, entry.item, terms);
    matcher.invalidate();
    phrases.delete(id);
    entries.delete(id);
    docs.delete(id);
    return true;
  }

  function upsert(entry: KbEntry): void {
    remove(entry.id);
    if (entry.status !== 'published') return;
    const doc = toDoc(entry, analyzer.itemScopeText(entry.item));
    const terms = analyseFields(doc);
    withTerms(terms, () => mini.add(doc));
    stats.add(entry.id, entry.item, terms);
    matcher.invalidate();
    phrases.set(entry.id, [entry.title, ...entry.questions].map(toPhrase));
    entries.set(entry.id, entry);
    docs.set(entry.id, doc);
  }

  /** The rarer terms, up to the posting budget: what minisearch searches for candidates. */
  function candidateTerms(weights: Map<string, number>): string[] {
    const known = [...weights.keys()]
      .filter((t) => stats.docFreq(t) > 0)
      .sort((a, b) => stats.docFreq(a) - stats.docFreq(b));
    const out: string[] = [];
    let postings = 0;
    for (const term of known) {
      postings += stats.docFreq(term);
      if (out.length >= 1 && postings > POSTING_BUDGET) break;
      out.push(term);
    }
    return out;
  }

  function searchConcepts(concepts: readonly Concept[], options: KbSearchOptions = {}): KbSearchResult {
    const weights = termWeights(concepts);
    const distinct = [...weights.keys()];
    const implied = impliedItemOf(concepts, analyzer.itemOf, stats);
    const base = {
      concepts: [...concepts],
      terms: distinct,
      impliedItemStrength: implied.strength,
      namesItem: implied.named,
      ...(implied.item ? { impliedItem: implied.item } : {}),
    };
    const searchTerms = candidateTerms(weights);
    if (searchTerms.length === 0) return { ...base, hits: [] };
    // The scope field is left out here: its item words sit on thousands of entries at 10 000, and
    // re-scoring below counts them anyway.
    const raw = mini.search(searchTerms.join(' '), {
      fields: CANDIDATE_FIELDS,
      boostTerm: (term) => weights.get(term) ?? 0,
    });
    const queryTerms = new Set(distinct);
    const hits: KbHit[] = [];
    for (const r of raw.slice(0, CANDIDATES)) {
      const id = r.id as string;
      const entry = entries.get(id);
      if (!entry) continue;
      const { bm25, matched } = stats.score(id, weights);
      const cover = matcher.coverage(concepts, matched);
      const similarity = matcher.similarity(concepts, queryTerms, phrases.get(id) ?? []);
      const score =
        bm25 *
        (1 - COVERAGE_RANK_WEIGHT + COVERAGE_RANK_WEIGHT * cover.coverage) *
        (1 - SIMILARITY_RANK_WEIGHT + SIMILARITY_RANK_WEIGHT * similarity) *
        itemFactor(entry.item, options.item, implied, mentionsNamedItem(concepts, matched, analyzer.itemOf));
      hits.push({ entry, bm25, score, matched, similarity, ...cover });
    }
    hits.sort((a, b) => b.score - a.score);
    return { ...base, hits: hits.slice(0, options.limit ?? 10) };
  }

  return {
    upsert,
    remove,
    get: (id) => entries.get(id),
    get size() {
      return entries.size;
    },
    searchConcepts,
    search: (question, options) => searchConcepts(analyzer.concepts(question), options),
    docFreq: (term) => stats.docFreq(term),
  };
}
