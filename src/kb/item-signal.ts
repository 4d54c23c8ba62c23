/**
 * The service item as a ranking signal: the conversation's item, the item a question names
 * (化妆品, 药品生产许可证 …) and, failing that, the item its distinctive words point to.
 */
import type { Concept } from './analyzer.ts';
import type { KbItem } from './entry.ts';
import type { KbField, TermStats } from './term-stats.ts';

const ITEM_WEIGHT = {
  /** The conversation's own item. */
  context: 1.35,
  /** Another item while the conversation is about a specific one. */
  otherThanContext: 0.8,
  /** The item the question names. */
  named: 1.3,
  /** Another item than the one the question names. */
  otherThanNamed: 0.75,
  /** An item the question's distinctive words point to (scaled by how clearly). */
  implied: 0.2,
};
/** A term "belongs" to an item when at least this share of its non-general entries are of that item. */
const DISTINCTIVE_SHARE = 0.8;

export interface ImpliedItem {
  item?: KbItem;
  /** 1 when named; else the share of the distinctive evidence for `item` (0..1). */
  strength: number;
  /** True when the question names exactly one item. */
  named: boolean;
}

/**
 * The item the question is about: the one item it names (strength 1), or else the item its
 * distinctive words (mostly used by one item's entries) point to. Naming two items names none.
 */
export function impliedItemOf(
  concepts: readonly Concept[],
  itemOf: (term: string) => string | undefined,
  stats: TermStats,
): ImpliedItem {
  const named = new Set(concepts.map((c) => itemOf(c.terms[0]!)).filter((i) => i !== undefined));
  if (named.size === 1) return { item: [...named][0] as KbItem, strength: 1, named: true };
  if (named.size > 1) return { strength: 0, named: false };
  const votes = new Map<KbItem, number>();
  let total = 0;
  for (const c of concepts) {
    const byItem = stats.itemFreq(c.terms[0]!);
    if (!byItem) continue;
    let sum = 0;
    let top: KbItem | undefined;
    let topN = 0;
    for (const [item, n] of byItem) {
      sum += n;
      if (n > topN) [top, topN] = [item, n];
    }
    const weight = stats.idf(c.terms[0]!) * c.salience;
    total += weight;
    if (top && topN / sum >= DISTINCTIVE_SHARE) votes.set(top, (votes.get(top) ?? 0) + weight);
  }
  let best: KbItem | undefined;
  let bestVote = 0;
  for (const [item, vote] of votes) if (vote > bestVote) [best, bestVote] = [item, vote];
  return best && total > 0
    ? { item: best, strength: bestVote / total, named: false }
    : { strength: 0, named: false };
}

/** Whether the entry's own text (not its item scope) uses a word of the question that names an item. */
export function mentionsNamedItem(
  concepts: readonly Concept[],
  matched: ReadonlyMap<string, readonly KbField[]>,
  itemOf: (term: string) => string | undefined,
): boolean {
  return concepts.some(
    (c) =>
      itemOf(c.terms[0]!) !== undefined && (matched.get(c.terms[0]!)?.some((f) => f !== 'scope') ?? false),
  );
}

/** Multiplier on an entry's score from the conversation's item and the item the question is about. */
export function itemFactor(
  item: KbItem,
  contextItem: string | undefined,
  implied: ImpliedItem,
  entryMentionsNamedItem: boolean,
): number {
  let factor = 1;
  if (contextItem && contextItem !== 'general') {
    if (item === contextItem) factor *= ITEM_WEIGHT.context;
    else if (item !== 'general') factor *= ITEM_WEIGHT.otherThanContext;
  }
  if (implied.named) {
    if (item === implied.item) factor *= ITEM_WEIGHT.named;
    // An entry of another item that itself speaks of the named thing (注册证 in a production-licence
    // entry: "register the product first") is not penalised.
    else if (item !== 'general' && !entryMentionsNamedItem) factor *= ITEM_WEIGHT.otherThanNamed;
  } else if (implied.item && item === implied.item) factor *= 1 + ITEM_WEIGHT.implied * implied.strength;
  return factor;
}
