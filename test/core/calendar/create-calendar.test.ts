import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCalendar, type WorkingHours } from '../../../src/core/calendar.ts';

const calendar = createCalendar();
const hours: WorkingHours = [
  { start: '09:00', end: '11:30' },
  { start: '13:30', end: '17:00' },
];
const at = (local: string): Date => new Date(`${local}+08:00`);
const ONE_WORKING_DAY = 6 * 3600; // 2.5 h morning + 3.5 h afternoon

describe('isWorkingTime', () => {
  it.each([
    ['2026-11-27T09:00:00', true, 'opening minute (start inclusive)'],
    ['2026-11-27T08:59:59', false, 'before opening'],
    ['2026-11-27T11:29:59', true, 'last second of the morning'],
    ['2026-11-27T11:30:00', false, 'lunch (end exclusive)'],
    ['2026-11-27T12:00:00', false, 'lunch'],
    ['2026-11-27T13:30:00', true, 'afternoon opening'],
    ['2026-11-27T17:00:00', false, 'evening'],
    ['2026-11-28T10:00:00', false, 'Saturday'],
    ['2026-10-10T10:00:00', true, 'make-up Saturday'],
    ['2026-10-01T10:00:00', false, '国庆'],
    ['2026-02-16T10:00:00', false, 'Spring Festival'],
  ])('%s → %s (%s)', (local, expected) => {
    expect(calendar.isWorkingTime(at(local), hours)).toBe(expected);
  });

  it('reads the clock in Shanghai whatever zone the instant was written in', () => {
    expect(calendar.isWorkingTime(new Date('2026-11-27T01:00:00Z'), hours)).toBe(true); // 09:00 +08
    expect(calendar.isWorkingTime(new Date('2026-11-26T23:30:00Z'), hours)).toBe(false); // 07:30 +08
    // Friday 17:00 UTC is Saturday 01:00 in Shanghai.
    expect(calendar.isWorkingTime(new Date('2026-11-27T17:00:00Z'), [{ start: '00:00', end: '24:00' }])).toBe(
      false,
    );
  });

  it('rejects malformed hours', () => {
    expect(() =>
      calendar.isWorkingTime(at('2026-11-27T10:00:00'), [{ start: '9:00', end: '11:30' }]),
    ).toThrow(/hours\[0\]\.start: expected HH:mm/);
    expect(() => calendar.isWorkingTime(at('2026-11-27T10:00:00'), [])).toThrow(/no working periods/);
  });
});

describe('nextOpening', () => {
  it.each([
    ['2026-11-27T10:00:00', '2026-11-27T10:00:00', 'open now: the same instant'],
    ['2026-11-27T07:15:00', '2026-11-27T09:00:00', 'early morning'],
    ['2026-11-27T12:00:00', '2026-11-27T13:30:00', 'lunch break'],
    ['2026-11-27T18:00:00', '2026-11-30T09:00:00', 'Friday evening → Monday'],
    ['2026-11-28T10:00:00', '2026-11-30T09:00:00', 'Saturday'],
    ['2026-09-30T17:30:00', '2026-10-08T09:00:00', 'eve of 国庆'],
    ['2026-10-09T18:00:00', '2026-10-10T09:00:00', 'Friday before a make-up Saturday'],
    ['2026-02-13T17:00:00', '2026-02-14T09:00:00', 'Friday before the Spring Festival make-up Saturday'],
    ['2026-02-14T17:00:00', '2026-02-24T09:00:00', 'into the Spring Festival'],
  ])('%s → %s (%s)', (from, expected) => {
    expect(calendar.nextOpening(at(from), hours).toISOString()).toBe(at(expected).toISOString());
  });

  it('throws calendar_data_missing when the next opening lies in a year without data', () => {
    expect(() => calendar.nextOpening(at('2026-12-31T18:00:00'), hours)).toThrow(/no holiday data for 2027/);
  });

  it('always returns working time with no working seconds in between (property)', () => {
    const from = at('2026-01-01T00:00:00').getTime();
    const to = at('2026-12-30T00:00:00').getTime();
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (ms) => {
        const opening = calendar.nextOpening(new Date(ms), hours);
        expect(opening.getTime()).toBeGreaterThanOrEqual(ms);
        expect(calendar.isWorkingTime(opening, hours)).toBe(true);
        expect(calendar.workingSecondsBetween(new Date(ms), opening, hours)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('workingSecondsBetween', () => {
  it.each([
    ['2026-11-27T09:00:00', '2026-11-27T09:01:00', 60, 'within the morning'],
    ['2026-11-27T11:29:30', '2026-11-27T13:30:30', 60, 'across the lunch break'],
    ['2026-11-27T16:59:30', '2026-11-30T09:00:30', 60, 'across a night and a weekend'],
    ['2026-09-30T16:59:30', '2026-10-08T09:00:30', 60, 'across 国庆'],
    ['2026-10-09T16:59:30', '2026-10-10T09:00:30', 60, 'into a make-up Saturday'],
    ['2026-11-27T00:00:00', '2026-11-28T00:00:00', ONE_WORKING_DAY, 'one whole working day'],
    ['2026-11-23T00:00:00', '2026-11-30T00:00:00', 5 * ONE_WORKING_DAY, 'one ordinary week'],
    ['2026-11-27T18:00:00', '2026-11-30T08:00:00', 0, 'only closed time'],
    ['2026-11-27T10:00:00', '2026-11-27T09:00:00', 0, 'b before a'],
    ['2026-11-27T09:00:00.000', '2026-11-27T09:00:00.500', 0.5, 'fractions of a second'],
  ])('%s → %s = %d s (%s)', (a, b, expected) => {
    expect(calendar.workingSecondsBetween(at(a), at(b), hours)).toBe(expected);
  });

  it('does not consult the next year when the interval ends at its first midnight', () => {
    expect(calendar.workingSecondsBetween(at('2026-12-31T00:00:00'), at('2027-01-01T00:00:00'), hours)).toBe(
      ONE_WORKING_DAY,
    );
    expect(() =>
      calendar.workingSecondsBetween(at('2026-12-31T00:00:00'), at('2027-01-01T00:00:01'), hours),
    ).toThrow(/no holiday data for 2027/);
  });

  it('is additive and never exceeds wall-clock time (property)', () => {
    const from = at('2026-01-01T00:00:00').getTime();
    const to = at('2026-12-31T00:00:00').getTime();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: from, max: to }), { minLength: 3, maxLength: 3 }), (points) => {
        const [a, b, c] = points.sort((x, y) => x - y).map((ms) => new Date(ms)) as [Date, Date, Date];
        const whole = calendar.workingSecondsBetween(a, c, hours);
        const parts =
          calendar.workingSecondsBetween(a, b, hours) + calendar.workingSecondsBetween(b, c, hours);
        expect(whole).toBeCloseTo(parts, 6);
        expect(whole).toBeLessThanOrEqual((c.getTime() - a.getTime()) / 1000);
      }),
      { numRuns: 200 },
    );
  });
});

describe('alwaysOpen (demo switch)', () => {
  const open = createCalendar({ alwaysOpen: true });

  it('counts every instant as working time', () => {
    expect(open.alwaysOpen).toBe(true);
    expect(open.isWorkingTime(at('2026-11-29T03:00:00'), hours)).toBe(true);
    expect(open.nextOpening(at('2026-11-29T03:00:00'), hours).toISOString()).toBe(
      at('2026-11-29T03:00:00').toISOString(),
    );
    expect(open.workingSecondsBetween(at('2026-11-27T18:00:00'), at('2026-11-27T18:01:00'), hours)).toBe(60);
  });

  it('needs no holiday data for working time', () => {
    expect(open.isWorkingTime(at('2027-06-01T23:00:00'), hours)).toBe(true);
  });

  it('leaves working days and working-day deadlines real', () => {
    expect(open.isWorkday('2026-10-01')).toBe(false);
    expect(open.addWorkdays('2026-09-30', 5)).toBe('2026-10-13');
    expect(() => open.isWorkday('2027-01-04')).toThrow(/2027/);
  });
});
