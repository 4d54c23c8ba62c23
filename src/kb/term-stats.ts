/**
 * Term statistics of the indexed KB entries, kept incrementally: document frequency per term and
 * per service item, and each entry's per-field term frequencies, from which the exact BM25 of a
 * candidate entry is computed (minisearch only proposes the candidates, see kb-index.ts).
 */
import type { KbItem } from './entry.ts';

export const KB_FIELDS = ['title', 'questions', 'keywords', 'answer', 'scope'] as const;
export type KbField = (typeof KB_FIELDS)[number];
export type FieldTerms = Record<KbField, string[]>;

/**
 * Field weights: a match in the title or a listed phrasing says more than one in the answer body.
 * `scope` is the entry's service item in words, so 化妆品 in a question reaches a cosmetics entry
 * whose own text only says 许可证.
 */
export const FIELD_BOOST: Record<KbField, number> = {
  title: 2,
  questions: 2,
  keywords: 1.5,
  answer: 1,
  scope: 0.5,
};
const STRONG_FIELDS: ReadonlySet<KbField> = new Set(['title', 'questions', 'keywords']);

/** minisearch's defaults, so candidate ranking and exact re-scoring agree. */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
/** Term frequency per field, packed 6 bits per field (capped at 63) so one number holds all five. */
const TF_BITS = 6;
const TF_MAX = (1 << TF_BITS) - 1;

/** A match in the title, a listed phrasing or the keywords: the entry is about the word. */
export function isStrong(fields: readonly KbField[]): boolean {
  for (const f of fields) if (STRONG_FIELDS.has(f)) return true;
  return false;
}

export interface TermStats {
  add(id: string, item: KbItem, terms: FieldTerms): void;
  remove(id: string, item: KbItem, terms: FieldTerms): void;
  readonly size: number;
  docFreq(term: string): number;
  /** BM25 inverse document frequency; a term no entry uses gets `maxIdf()`. */
  idf(term: string): number;
  maxIdf(): number;
  /** item → number of that item's entries using the term (general entries not counted). */
  itemFreq(term: string): ReadonlyMap<KbItem, number> | undefined;
  /** BM25 of one entry for weighted query terms, and the fields each term matched in. */
  score(id: string, weights: ReadonlyMap<string, number>): { bm25: number; matched: Map<string, KbField[]> };
}

export function createTermStats(): TermStats {
  const perEntry = new Map<string, { tf: Map<string, number>; lengths: number[] }>();
  const totalLength = KB_FIELDS.map(() => 0);
  const docFreq = new Map<string, number>();
  const itemFreq = new Map<string, Map<KbItem, number>>();
  // idf changes only when entries do; caching it keeps re-scoring cheap.
  let idfCache = new Map<string, number>();

  function count(item: KbItem, terms: FieldTerms, delta: 1 | -1): void {
    // The scope field is the same for every entry of an item; it would make every item word "common".
    const textTerms = new Set(KB_FIELDS.filter((f) => f !== 'scope').flatMap((f) => terms[f]));
    for (const term of textTerms) {
      const n = (docFreq.get(term) ?? 0) + delta;
      if (n > 0) docFreq.set(term, n);
      else docFreq.delete(term);
      if (item === 'general') continue;
      let byItem = itemFreq.get(term);
      if (!byItem) itemFreq.set(term, (byItem = new Map()));
      const m = (byItem.get(item) ?? 0) + delta;
      if (m > 0) byItem.set(item, m);
      else byItem.delete(item);
      if (byItem.size === 0) itemFreq.delete(term);
    }
    idfCache = new Map();
  }

  function packed(terms: FieldTerms): { tf: Map<string, number>; lengths: number[] } {
    const tf = new Map<string, number>();
    for (let i = 0; i < KB_FIELDS.length; i++) {
      const shift = i * TF_BITS;
      for (const term of terms[KB_FIELDS[i]!]) {
        const value = tf.get(term) ?? 0;
        if (((value >>> shift) & TF_MAX) < TF_MAX) tf.set(term, value + (1 << shift));
      }
    }
    return { tf, lengths: KB_FIELDS.map((f) => terms[f].length) };
  }

  function idf(term: string): number {
    let value = idfCache.get(term);
    if (value === undefined) {
      const df = docFreq.get(term) ?? 0;
      value = Math.log(1 + (perEntry.size - df + 0.5) / (df + 0.5));
      if (idfCache.size > 200_000) idfCache.clear();
      idfCache.set(term, value);
    }
    return value;
  }

  return {
    add(id, item, terms) {
      const stats = packed(terms);
      stats.lengths.forEach((n, i) => (totalLength[i]! += n));
      perEntry.set(id, stats);
      count(item, terms, 1);
    },
    remove(id, item, terms) {
      const stats = perEntry.get(id);
      if (!stats) return;
      stats.lengths.forEach((n, i) => (totalLength[i]! -= n));
      perEntry.delete(id);
      count(item, terms, -1);
    },
    get size() {
      return perEntry.size;
    },
    docFreq: (term) => docFreq.get(term) ?? 0,
    idf,
    maxIdf: () => Math.log(1 + (perEntry.size + 0.5) / 0.5),
    itemFreq: (term) => itemFreq.get(term),
    score(id, weights) {
      const doc = perEntry.get(id);
      const matched = new Map<string, KbField[]>();
      if (!doc) return { bm25: 0, matched };
      const n = Math.max(1, perEntry.size);
      let bm25 = 0;
      for (const [term, weight] of weights) {
        const value = doc.tf.get(term);
        if (value === undefined) continue;
        const termIdf = idf(term);
        const fields: KbField[] = [];
        for (let i = 0; i < KB_FIELDS.length; i++) {
          const tf = (value >>> (i * TF_BITS)) & TF_MAX;
          if (tf === 0) continue;
          const field = KB_FIELDS[i]!;
          fields.push(field);
          const norm = 1 - BM25.b + (BM25.b * doc.lengths[i]!) / Math.max(1, totalLength[i]! / n);
          bm25 +=
            weight * FIELD_BOOST[field] * termIdf * (BM25.d + (tf * (BM25.k + 1)) / (tf + BM25.k * norm));
        }
        matched.set(term, fields);
      }
      return { bm25, matched };
    },
  };
}
