/**
 * 小申's decision: answer from the KB when confident, otherwise hand off with a reason.
 * `createKnowledgeBase(entries)` builds the index once and keeps it current with upsert/remove.
 */
import { createAnalyzer, type Analyzer } from './analyzer.ts';
import {
  confidenceOf,
  DEFAULT_CONFIDENCE_MODEL,
  extractFeatures,
  type ConfidenceModel,
  type Features,
} from './confidence.ts';
import type { KbEntry } from './entry.ts';
import {
  createKbIndex,
  type KbHit,
  type KbIndex,
  type KbSearchOptions,
  type KbSearchResult,
} from './kb-index.ts';
import { loadLexicon, type Lexicon } from './synonyms.ts';

/** Appended to every answer; channels may replace it (e.g. with buttons) via `closingPrompt`. */
export const CLOSING_PROMPT = '是否解决了您的问题？回复 1 已解决 / 2 转人工';

export type HandoffReason =
  'empty_question' | 'low_confidence' | 'out_of_scope' | 'needs_confirmation' | 'ambiguous';

export interface KbCandidate {
  entryId: string;
  title: string;
  score: number;
}

export interface AnswerContext {
  /** Service item of the conversation, if known: its entries are favoured. */
  item?: string;
  channel?: string;
}

export type KbAnswer =
  | { decision: 'answer'; entry: KbEntry; text: string; score: number }
  | {
      decision: 'handoff';
      reason: HandoffReason;
      score?: number;
      /** For out_of_scope: the referral entry whose answer says where to go; for needs_confirmation: the unconfirmed entry. */
      entry?: KbEntry;
      candidates?: KbCandidate[];
    };

export interface KnowledgeBaseOptions {
  /** Defaults to config/kb/synonyms.yaml + dictionary.txt of this checkout. */
  lexicon?: Lexicon;
  /** Reuse an analyzer (its jieba dictionary takes ~0.2 s to build). */
  analyzer?: Analyzer;
  model?: ConfidenceModel;
  closingPrompt?: string;
}

export interface KnowledgeBase {
  answer(question: string, context?: AnswerContext): KbAnswer;
  search(question: string, options?: KbSearchOptions): KbHit[];
  /** Adds or replaces one entry (not published → removed from answers); no rebuild. */
  upsert(entry: KbEntry): void;
  remove(id: string): boolean;
  get(id: string): KbEntry | undefined;
  readonly size: number;
  /** Confidence and features for each candidate part of the question (for evaluation and tuning). */
  explain(question: string, context?: AnswerContext): Assessment[];
  /** Swaps the confidence model (weights and threshold) without rebuilding the index. */
  setModel(model: ConfidenceModel): void;
}

/** One scored reading of the question (the whole message or one of its sentences). */
export interface Assessment {
  part: string;
  result: KbSearchResult;
  features?: Features;
  confidence: number;
}

/** Entries the content team writes to redirect other agencies' business (`general.referral-…`). */
export function isReferralEntry(entry: KbEntry): boolean {
  return /(^|\.)referral-/.test(entry.id);
}

const SENTENCE_BREAK = /[。？！?!；;\n]+/;
const MAX_PARTS = 3;
// Sentences are looked for in the first part of a paste only (the analyzer reads 500 characters anyway).
const MAX_PART_SOURCE_CHARS = 1000;
// A runner-up this close (and itself plausible) means the question fits two entries equally well.
const AMBIGUOUS_MARGIN = 0.05;

export function createKnowledgeBase(
  entries: Iterable<KbEntry>,
  options: KnowledgeBaseOptions = {},
): KnowledgeBase {
  const analyzer = options.analyzer ?? createAnalyzer(options.lexicon ?? loadLexicon());
  const index: KbIndex = createKbIndex(analyzer);
  let model = options.model ?? DEFAULT_CONFIDENCE_MODEL;
  const closingPrompt = options.closingPrompt ?? CLOSING_PROMPT;
  for (const entry of entries) index.upsert(entry);

  function assess(part: string, context: AnswerContext): Assessment {
    const result = index.search(part, searchOptions(context));
    const features = extractFeatures(result, index, analyzer.isOutOfScopeTerm, analyzer.itemOf);
    return { part, result, features, confidence: features ? confidenceOf(features, model) : 0 };
  }

  /** Sentences of a multi-question message (none when there is only one). */
  function partsOf(question: string): string[] {
    const parts = question
      .slice(0, MAX_PART_SOURCE_CHARS)
      .split(SENTENCE_BREAK)
      .map((p) => p.trim())
      .filter((p) => analyzer.concepts(p).length >= 2);
    return parts.length < 2 ? [] : parts.slice(0, MAX_PARTS);
  }

  /** The whole message, plus each sentence when there are several (multi-question messages). */
  function explain(question: string, context: AnswerContext = {}): Assessment[] {
    return [assess(question, context), ...partsOf(question).map((p) => assess(p, context))];
  }

  /**
   * The reading to decide on: the whole message if confident, else the first confident sentence,
   * else the most confident reading (which then falls below the threshold and hands off).
   */
  function bestReading(question: string, context: AnswerContext): Assessment {
    let best = assess(question, context);
    if (best.confidence >= model.threshold) return best;
    for (const part of partsOf(question)) {
      const reading = assess(part, context);
      if (reading.confidence > best.confidence) best = reading;
      if (best.confidence >= model.threshold) break;
    }
    return best;
  }

  function answer(question: string, context: AnswerContext = {}): KbAnswer {
    if (analyzer.concepts(question).length === 0) return { decision: 'handoff', reason: 'empty_question' };
    const best = bestReading(question, context);
    const [top, second] = best.result.hits;
    const score = round(best.confidence);
    const candidates = best.result.hits
      .slice(0, 3)
      .map((h) => ({ entryId: h.entry.id, title: h.entry.title, score: round(h.score) }));
    if (!top) return { decision: 'handoff', reason: 'out_of_scope', score, candidates };
    // Another agency's business (营业执照, 社保 …) that the entry does not itself address: never answer.
    if (best.features && best.features.outOfScope > 0 && !isReferralEntry(top.entry)) {
      return { decision: 'handoff', reason: 'out_of_scope', score, candidates };
    }
    if (best.confidence < model.threshold) {
      const reason = handoffReasonBelowThreshold(best, top, second);
      return { decision: 'handoff', reason, score, candidates };
    }
    if (isReferralEntry(top.entry))
      return { decision: 'handoff', reason: 'out_of_scope', score, entry: top.entry, candidates };
    if (top.entry.needsConfirmation)
      return { decision: 'handoff', reason: 'needs_confirmation', score, entry: top.entry, candidates };
    return {
      decision: 'answer',
      entry: top.entry,
      text: `${top.entry.answer.trim()}\n\n${closingPrompt}`,
      score,
    };
  }

  return {
    answer,
    explain,
    setModel: (next) => {
      model = next;
    },
    search: (question, searchOpts) => index.search(question, searchOpts).hits,
    upsert: (entry) => index.upsert(entry),
    remove: (id) => index.remove(id),
    get: (id) => index.get(id),
    get size() {
      return index.size;
    },
  };
}

function handoffReasonBelowThreshold(best: Assessment, top: KbHit, second: KbHit | undefined): HandoffReason {
  const f = best.features;
  if (!f) return 'out_of_scope';
  if (f.outOfScope > 0 || isReferralEntry(top.entry) || f.unknownShare > 0.5) return 'out_of_scope';
  if (second && second.entry.id !== top.entry.id && f.margin < AMBIGUOUS_MARGIN && f.coverage >= 0.6)
    return 'ambiguous';
  return 'low_confidence';
}

function searchOptions(context: AnswerContext): KbSearchOptions {
  return context.item ? { item: context.item } : {};
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
