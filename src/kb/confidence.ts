/**
 * Calibrated confidence that the top KB hit answers the question: a logistic model over a few
 * scale-free features of the search result. The weights and the threshold are fitted on the train
 * split of bench/data/kb-eval.jsonl (see src/kb/README.md and `npm run bench -- kb-quality --fit`).
 */
import type { KbHit, KbIndex, KbSearchResult } from './kb-index.ts';

export const FEATURE_NAMES = [
  'coverage',
  'strongCoverage',
  'unknownShare',
  'margin',
  'outOfScope',
  'scorePerTerm',
  'itemConflict',
  'fewTerms',
  'missing',
  'missingKnown',
  'similarity',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

export interface ConfidenceModel {
  bias: number;
  weights: Features;
  /** Answer only when confidence ≥ threshold. */
  threshold: number;
}

/**
 * Features of the top hit for one analysed question:
 * - coverage: weighted share of the question's concepts found in the entry (see kb-index);
 * - strongCoverage: the same, counting only matches in title / phrasings / keywords;
 * - unknownShare: salience-weighted share of the question's words no entry uses (another topic?);
 * - margin: how far the top entry is ahead of the runner-up (0 = tie, 1 = alone);
 * - outOfScope: words of the question (or inside them) from the out-of-scope list that the entry's
 *   title, phrasings and keywords do not use (0..2); answer.ts hands off on any;
 * - scorePerTerm: BM25 of the top hit per unit of question weight, squashed to 0..1;
 * - itemConflict: the question's distinctive words point to one item and the entry belongs to another;
 * - fewTerms: 1 for a one-word question, falling to 0 at four words (short questions are guesses);
 * - missing: weight of the most important question word the entry lacks (see kb-index);
 * - missingKnown: the same among words the KB uses elsewhere (a sign of the wrong entry);
 * - similarity: two-way match with the entry's closest title or listed phrasing.
 */
export function extractFeatures(
  result: KbSearchResult,
  index: KbIndex,
  isOutOfScopeTerm: (t: string) => boolean,
  itemOf: (t: string) => string | undefined = () => undefined,
): Features | undefined {
  const [top, second] = result.hits;
  if (!top) return undefined;
  let salienceSum = 0;
  let unknown = 0;
  let outOfScope = 0;
  for (const concept of result.concepts) {
    salienceSum += concept.salience;
    if (concept.terms.every((t) => index.docFreq(t) === 0)) unknown += concept.salience;
    if (concept.terms.some((t) => isOutOfScopeTerm(t) && !addresses(top, t))) outOfScope += 1;
  }
  const perUnit = top.bm25 / Math.max(1, salienceSum);
  const itemConflict = itemConflictOf(result, top, itemOf);
  return {
    coverage: top.coverage,
    strongCoverage: top.strongCoverage,
    unknownShare: salienceSum > 0 ? unknown / salienceSum : 0,
    margin: marginOf(top, second),
    outOfScope: Math.min(2, outOfScope),
    scorePerTerm: perUnit / (perUnit + 5),
    itemConflict,
    fewTerms: Math.max(0, (4 - salienceSum) / 3),
    missing: top.missing,
    missingKnown: top.missingKnown,
    similarity: top.similarity,
  };
}

/** The entry addresses a word when its title, phrasings or keywords use it, not merely its answer text. */
function addresses(hit: KbHit, term: string): boolean {
  return hit.matched.get(term)?.some((f) => f === 'title' || f === 'questions' || f === 'keywords') ?? false;
}

/**
 * 1 when the question names an item (化妆品生产许可证) and the entry belongs to another item without
 * itself using that name (an answer about 注册证 to a question about 药品生产许可证); otherwise the
 * strength of the weaker, word-distribution evidence for another item.
 */
function itemConflictOf(
  result: KbSearchResult,
  top: KbHit,
  itemOf: (t: string) => string | undefined,
): number {
  const entryItem = top.entry.item;
  if (result.impliedItem === undefined || entryItem === 'general' || entryItem === result.impliedItem)
    return 0;
  if (!result.namesItem) return result.impliedItemStrength;
  const named = result.concepts.map((c) => c.terms[0]!).filter((t) => itemOf(t) !== undefined);
  const entrySaysIt = named.some((t) => top.matched.get(t)?.some((f) => f !== 'scope'));
  return entrySaysIt ? 0 : 1;
}

function marginOf(top: KbHit, second: KbHit | undefined): number {
  if (!second || top.score <= 0) return 1;
  return Math.max(0, (top.score - second.score) / top.score);
}

export function confidenceOf(features: Features, model: ConfidenceModel): number {
  let z = model.bias;
  for (const name of FEATURE_NAMES) z += model.weights[name] * features[name];
  return 1 / (1 + Math.exp(-z));
}

/**
 * Fitted with `npm run bench -- kb-quality --fit` (sign-constrained, L2-regularised logistic
 * regression on the train split of bench/data/kb-eval.jsonl; label = "the top entry is the right
 * one"). Threshold: among thresholds keeping train false answers on must-hand-off questions ≤ 3 %,
 * the highest within 1 point of the best train in-scope accuracy. Numbers and method: src/kb/README.md.
 */
export const DEFAULT_CONFIDENCE_MODEL: ConfidenceModel = {
  bias: 0.22,
  weights: {
    coverage: 1.02,
    strongCoverage: 0.38,
    unknownShare: -0.96,
    margin: 1.98,
    outOfScope: -1.37,
    scorePerTerm: 1.8,
    itemConflict: -2.94,
    fewTerms: -1.83,
    missing: -1.37,
    missingKnown: -1.5,
    similarity: 0,
  },
  threshold: 0.725,
};
