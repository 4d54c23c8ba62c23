import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCalendar, dayNumberOf } from '../../src/core/calendar.ts';
import { AppError } from '../../src/core/errors.ts';

const calendar = createCalendar();

// An invented 2027 schedule, standing in for the one the State Council publishes in late 2026.
const with2027 = createCalendar({
  overrides: { '2027': { holidays: ['2027-01-01', '2027-02-08', '2027-02-09'], workdays: ['2027-02-06'] } },
});

describe('isWorkday with the package data', () => {
  it.each([
    ['2026-11-27', true, 'an ordinary Friday'],
    ['2026-11-28', false, 'an ordinary Saturday'],
    ['2026-11-29', false, 'an ordinary Sunday'],
    ['2026-01-01', false, '元旦'],
    ['2026-01-02', false, '元旦 bridge Friday'],
    ['2026-01-04', true, 'make-up Sunday after 元旦'],
    ['2026-02-13', true, 'Friday before the Spring Festival'],
    ['2026-02-14', true, 'Spring Festival make-up Saturday'],
    ['2026-02-16', false, 'Spring Festival Monday'],
    ['2026-02-20', false, 'Spring Festival Friday'],
    ['2026-02-23', false, 'last Spring Festival day, a Monday'],
    ['2026-02-24', true, 'first working day after the Spring Festival'],
    ['2026-02-28', true, 'second Spring Festival make-up Saturday'],
    ['2026-05-05', false, '劳动节 Tuesday'],
    ['2026-05-09', true, '劳动节 make-up Saturday'],
    ['2026-09-20', true, '国庆 make-up Sunday'],
    ['2026-09-25', false, '中秋 Friday'],
    ['2026-10-01', false, '国庆'],
    ['2026-10-07', false, 'last 国庆 day, a Wednesday'],
    ['2026-10-08', true, 'first working day after 国庆'],
    ['2026-10-10', true, '国庆 make-up Saturday'],
    ['2025-10-08', false, '国庆 2025, eighth day'],
    ['2025-10-11', true, '国庆 2025 make-up Saturday'],
    ['2004-01-17', true, 'make-up Saturday in the first covered year'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(calendar.isWorkday(date)).toBe(expected);
  });
});

describe('addWorkdays', () => {
  it.each([
    ['2026-09-30', 5, '2026-10-13'],
    ['2026-09-30', 1, '2026-10-08'],
    ['2026-10-09', 1, '2026-10-10'],
    ['2026-09-18', 1, '2026-09-20'],
    ['2026-09-24', 1, '2026-09-28'],
    ['2026-02-12', 2, '2026-02-14'],
    ['2026-02-14', 1, '2026-02-24'],
    ['2026-11-27', 1, '2026-11-30'],
    ['2026-11-28', 1, '2026-11-30'],
    ['2026-10-01', 0, '2026-10-01'],
    ['2026-10-08', -1, '2026-09-30'],
    ['2026-10-12', -1, '2026-10-10'],
    ['2026-02-24', -2, '2026-02-13'],
  ])('%s + %i working days → %s', (date, n, expected) => {
    expect(calendar.addWorkdays(date, n)).toBe(expected);
  });

  it('crosses the year end into a config override year', () => {
    expect(with2027.addWorkdays('2026-12-30', 1)).toBe('2026-12-31');
    expect(with2027.addWorkdays('2026-12-30', 3)).toBe('2027-01-05');
    expect(with2027.addWorkdays('2027-02-05', 1)).toBe('2027-02-06');
    expect(with2027.addWorkdays('2027-02-06', 1)).toBe('2027-02-10');
  });

  it('refuses to guess when the count runs into a year without data', () => {
    expect(() => calendar.addWorkdays('2026-12-30', 3)).toThrow(/no holiday data for 2027/);
    expect(() => calendar.addWorkdays('2026-12-30', 1)).not.toThrow();
  });

  it('rejects a count that is not a whole number', () => {
    expect(() => calendar.addWorkdays('2026-10-08', 1.5)).toThrow(/whole number/);
  });

  it('lands on a working day exactly n working days later (property)', () => {
    const firstDay = dayNumberOf('2004-01-01');
    const lastDay = dayNumberOf('2026-11-30');
    fc.assert(
      fc.property(fc.integer({ min: firstDay, max: lastDay }), fc.integer({ min: 1, max: 15 }), (day, n) => {
        const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
        const result = calendar.addWorkdays(date, n);
        expect(result > date).toBe(true);
        expect(calendar.isWorkday(result)).toBe(true);
        let count = 0;
        for (let d = day + 1; d <= dayNumberOf(result); d += 1) {
          if (calendar.isWorkday(new Date(d * 86_400_000).toISOString().slice(0, 10))) count += 1;
        }
        expect(count).toBe(n);
        if (calendar.isWorkday(date)) expect(calendar.addWorkdays(result, -n)).toBe(date);
      }),
      { numRuns: 200 },
    );
  });
});

describe('deadlineAfterWorkdays', () => {
  it('ends at 23:59:59.999 Shanghai time of the Nth working day after the event day', () => {
    const deadline = calendar.deadlineAfterWorkdays(new Date('2026-09-30T15:00:00+08:00'), 5);
    expect(deadline.toISOString()).toBe('2026-10-13T15:59:59.999Z');
  });

  it('takes the event day in Shanghai, not in UTC', () => {
    // 2026-10-09T17:30Z is 01:30 on Saturday 2026-10-10 in Shanghai (a make-up workday).
    const deadline = calendar.deadlineAfterWorkdays(new Date('2026-10-09T17:30:00Z'), 1);
    expect(deadline.toISOString()).toBe('2026-10-12T15:59:59.999Z');
  });

  it('does not count an event on a holiday', () => {
    const deadline = calendar.deadlineAfterWorkdays(new Date('2026-10-03T10:00:00+08:00'), 1);
    expect(deadline.toISOString()).toBe('2026-10-08T15:59:59.999Z');
  });

  it('throws calendar_data_missing when the deadline would fall in a year without data', () => {
    expect(() => calendar.deadlineAfterWorkdays(new Date('2026-12-28T10:00:00+08:00'), 5)).toThrow(
      expect.objectContaining({ code: 'calendar_data_missing', details: { year: 2027, date: '2027-01-01' } }),
    );
  });
});

describe('years without data', () => {
  it('throws calendar_data_missing naming the year and the date', () => {
    expect(() => calendar.isWorkday('2027-01-04')).toThrow(AppError);
    expect(() => calendar.isWorkday('2027-01-04')).toThrow(
      /no holiday data for 2027 \(needed for 2027-01-04\)/,
    );
    expect(() => calendar.isWorkday('2027-01-04')).toThrow(/calendar\.years\.2027/);
    expect(() => calendar.isWorkday('2003-06-02')).toThrow(/no holiday data for 2003/);
  });

  it('reports which years are covered', () => {
    expect(calendar.coveredYears()).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
    expect(calendar.hasDataForYear(2026)).toBe(true);
    expect(calendar.hasDataForYear(2027)).toBe(false);
    expect(with2027.coveredYears().at(-1)).toBe(2027);
    expect(with2027.hasDataForYear(2027)).toBe(true);
  });
});

describe('config overrides', () => {
  it('make an override year plain Monday–Friday apart from the listed days', () => {
    expect(with2027.isWorkday('2027-01-01')).toBe(false); // listed holiday, a Friday
    expect(with2027.isWorkday('2027-01-04')).toBe(true); // Monday
    expect(with2027.isWorkday('2027-01-09')).toBe(false); // Saturday
    expect(with2027.isWorkday('2027-02-06')).toBe(true); // listed make-up Saturday
  });

  it('win over the package data in a covered year, day by day', () => {
    const adjusted = createCalendar({
      overrides: { '2026': { holidays: ['2026-11-27'], workdays: ['2026-11-28'] } },
    });
    expect(adjusted.isWorkday('2026-11-27')).toBe(false);
    expect(adjusted.isWorkday('2026-11-28')).toBe(true);
    expect(adjusted.isWorkday('2026-10-10')).toBe(true);
    expect(adjusted.isWorkday('2026-10-01')).toBe(false);
  });

  it('are checked: dates in their year, real, and not both off and on', () => {
    expect(() =>
      createCalendar({ overrides: { '2027': { holidays: ['2028-01-01'], workdays: [] } } }),
    ).toThrow(/2027\.holidays\[0\]: 2028-01-01 is not in 2027/);
    expect(() =>
      createCalendar({ overrides: { '2027': { holidays: ['2027-01-01'], workdays: ['2027-01-01'] } } }),
    ).toThrow(/2027\.workdays\[0\]: 2027-01-01 is also listed/);
    expect(() =>
      createCalendar({ overrides: { '2027': { holidays: ['2027-02-30'], workdays: [] } } }),
    ).toThrow(/invalid date '2027-02-30'/);
  });
});

describe('invalid dates', () => {
  it.each(['2026-13-40', '2026-02-30', '2026-2-3', '20261010', 'tomorrow', '2026-10-10T00:00'])(
    '%s is rejected with validation_failed naming the input',
    (input) => {
      expect(() => calendar.isWorkday(input)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
      expect(() => calendar.addWorkdays(input, 1)).toThrow(`'${input}'`);
    },
  );

  it('accepts 29 February in a leap year only', () => {
    expect(calendar.isWorkday('2024-02-29')).toBe(true);
    expect(() => calendar.isWorkday('2026-02-29')).toThrow(/invalid date/);
  });
});
