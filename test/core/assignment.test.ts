import { describe, expect, it } from 'vitest';
import { pickHelper } from '../../src/core/assignment.ts';

const at = (iso: string) => new Date(iso);

describe('pickHelper', () => {
  it('reports nobody on duty', () => {
    expect(pickHelper([], 5)).toEqual({ ok: false, reason: 'no_helper_on_duty' });
  });

  it('skips helpers at capacity', () => {
    expect(pickHelper([{ staffId: 'a', openCount: 5, lastAssignedAt: null }], 5)).toEqual({
      ok: false,
      reason: 'all_at_capacity',
    });
  });

  it('prefers the least open load', () => {
    const result = pickHelper(
      [
        { staffId: 'a', openCount: 2, lastAssignedAt: at('2026-11-27T01:00:00Z') },
        { staffId: 'b', openCount: 1, lastAssignedAt: at('2026-11-27T02:00:00Z') },
      ],
      5,
    );
    expect(result).toEqual({ ok: true, staffId: 'b' });
  });

  it('breaks ties by the longest since last assignment, never-assigned first', () => {
    const candidates = [
      { staffId: 'a', openCount: 1, lastAssignedAt: at('2026-11-27T02:00:00Z') },
      { staffId: 'b', openCount: 1, lastAssignedAt: at('2026-11-27T01:00:00Z') },
    ];
    expect(pickHelper(candidates, 5)).toEqual({ ok: true, staffId: 'b' });
    expect(pickHelper([...candidates, { staffId: 'c', openCount: 1, lastAssignedAt: null }], 5)).toEqual({
      ok: true,
      staffId: 'c',
    });
  });
});
