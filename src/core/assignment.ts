/** Choosing the helper for a conversation (ARCHITECTURE.md §4): least open load, then longest idle. */

export interface HelperCandidate {
  staffId: string;
  /** Open conversations the helper owns right now. */
  openCount: number;
  /** When the helper was last given a conversation; null if never (counts as longest ago). */
  lastAssignedAt: Date | null;
}

export type PickResult =
  { ok: true; staffId: string } | { ok: false; reason: 'no_helper_on_duty' | 'all_at_capacity' };

/**
 * Candidates must already be on the rota now, not on leave and within working hours; this applies
 * capacity and the tie-break. Never a lifetime counter: only current load and recency count.
 */
export function pickHelper(candidates: readonly HelperCandidate[], capacity: number): PickResult {
  if (candidates.length === 0) return { ok: false, reason: 'no_helper_on_duty' };
  const free = candidates.filter((c) => c.openCount < capacity);
  if (free.length === 0) return { ok: false, reason: 'all_at_capacity' };
  const best = [...free].sort(
    (a, b) =>
      a.openCount - b.openCount ||
      (a.lastAssignedAt?.getTime() ?? -Infinity) - (b.lastAssignedAt?.getTime() ?? -Infinity) ||
      a.staffId.localeCompare(b.staffId),
  )[0]!;
  return { ok: true, staffId: best.staffId };
}
