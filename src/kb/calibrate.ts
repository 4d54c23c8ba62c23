/**
 * Fitting the confidence model: L2-regularised logistic regression over the features of
 * confidence.ts, and the choice of the answer threshold. Used offline by
 * `npm run bench -- kb-quality --fit`; the chosen numbers are then written into
 * DEFAULT_CONFIDENCE_MODEL, so answering never depends on this code.
 */
import type { KnowledgeBase } from './answer.ts';
import {
  confidenceOf,
  FEATURE_NAMES,
  type ConfidenceModel,
  type FeatureName,
  type Features,
} from './confidence.ts';
import type { KbEntry } from './entry.ts';
import { expectsHandoff, type EvalQuestion } from './evaluate.ts';

export interface Sample {
  features: Features;
  label: 0 | 1;
  /** How much this sample counts in the loss (questions that must be handed off count more). */
  weight: number;
}

/**
 * The direction each feature may push the confidence. Fitting keeps every weight on its side of zero
 * (projected gradient descent): with a few hundred training questions, a weight with the wrong sign
 * is noise that would not hold on new questions.
 */
export const FEATURE_SIGNS: Record<FeatureName, 1 | -1> = {
  coverage: 1,
  strongCoverage: 1,
  unknownShare: -1,
  margin: 1,
  outOfScope: -1,
  scorePerTerm: 1,
  itemConflict: -1,
  fewTerms: -1,
  missing: -1,
  missingKnown: -1,
  similarity: 1,
};

/** Gradient descent on the weighted mean log-loss plus `l2`·|w|²/2 (bias not penalised), signs constrained. */
export function fitLogistic(
  samples: readonly Sample[],
  options: { l2?: number; iterations?: number; rate?: number } = {},
): Omit<ConfidenceModel, 'threshold'> {
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 20_000;
  const rate = options.rate ?? 0.5;
  const w = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as Features;
  let bias = 0;
  const n = Math.max(
    1,
    samples.reduce((sum, s) => sum + s.weight, 0),
  );
  for (let it = 0; it < iterations; it++) {
    const grad = Object.fromEntries(FEATURE_NAMES.map((f) => [f, 0])) as Features;
    let gradBias = 0;
    for (const s of samples) {
      const p = confidenceOf(s.features, { bias, weights: w, threshold: 0 });
      const err = (p - s.label) * s.weight;
      gradBias += err;
      for (const f of FEATURE_NAMES) grad[f] += err * s.features[f];
    }
    bias -= (rate * gradBias) / n;
    for (const f of FEATURE_NAMES) {
      const next = w[f] - rate * (grad[f] / n + l2 * w[f]);
      w[f] = FEATURE_SIGNS[f] > 0 ? Math.max(0, next) : Math.min(0, next);
    }
  }
  return { bias, weights: w };
}

/** Whether the top entry is the right one: the expected text for in-scope questions, a referral or unconfirmed entry when a handoff is expected. */
export function isRightEntry(
  q: EvalQuestion,
  entry: KbEntry | undefined,
  isHandoffEntry: (e: KbEntry) => boolean,
): boolean {
  if (!entry) return false;
  if (expectsHandoff(q)) return isHandoffEntry(entry);
  return !isHandoffEntry(entry) && q.must_contain_any.some((s) => entry.answer.includes(s));
}

/**
 * Training samples: the features of every reading (whole message and sentences) of each question.
 * Questions that must be handed off weigh `handoffWeight`: a confident wrong answer there is the
 * costlier mistake, and they are the minority.
 */
export function samplesFor(
  kb: KnowledgeBase,
  questions: readonly EvalQuestion[],
  isHandoffEntry: (e: KbEntry) => boolean,
  handoffWeight = 3,
): Sample[] {
  const samples: Sample[] = [];
  for (const q of questions) {
    for (const a of kb.explain(q.question)) {
      if (!a.features) continue;
      const label = isRightEntry(q, a.result.hits[0]?.entry, isHandoffEntry) ? 1 : 0;
      samples.push({ features: a.features, label, weight: expectsHandoff(q) ? handoffWeight : 1 });
    }
  }
  return samples;
}

export interface ThresholdPoint {
  threshold: number;
  inScopeAccuracy: number;
  falseAnswerRate: number;
}

/**
 * Picks the answer threshold from a sweep over the train split: among thresholds whose
 * false-answer rate is ≤ `maxFalseAnswerRate`, take the best in-scope accuracy A, then the highest
 * threshold still within `tolerance` of A. The tolerance buys distance from the cliff where
 * near-miss out-of-scope questions start being answered, for the price of a point of accuracy.
 */
export function chooseThreshold(
  points: readonly ThresholdPoint[],
  maxFalseAnswerRate: number,
  tolerance = 0.01,
): ThresholdPoint | undefined {
  const feasible = points.filter((p) => p.falseAnswerRate <= maxFalseAnswerRate);
  if (feasible.length === 0) return undefined;
  const best = Math.max(...feasible.map((p) => p.inScopeAccuracy));
  return feasible
    .filter((p) => p.inScopeAccuracy >= best - tolerance - 1e-9)
    .reduce((a, b) => (b.threshold > a.threshold ? b : a));
}
