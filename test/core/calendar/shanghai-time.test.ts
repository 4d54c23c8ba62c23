import { describe, expect, it } from 'vitest';
import {
  atShanghaiMinute,
  dateOfDayNumber,
  dayNumberOf,
  formatShanghai,
  isIsoDate,
  isoWeekdayOf,
  parseInstant,
  shanghaiDateOf,
  shanghaiMinuteOfDay,
} from '../../../src/core/calendar/shanghai-time.ts';

describe('dates', () => {
  it('round-trips day numbers', () => {
    expect(dayNumberOf('1970-01-02')).toBe(1);
    expect(dateOfDayNumber(dayNumberOf('2026-10-10'))).toBe('2026-10-10');
  });

  it('knows ISO weekdays', () => {
    expect(isoWeekdayOf('2026-11-23')).toBe(1);
    expect(isoWeekdayOf('2026-11-27')).toBe(5);
    expect(isoWeekdayOf('2026-11-29')).toBe(7);
  });

  it.each(['2026-13-01', '2026-00-10', '2026-04-31', '2026-02-29', '0099-01-01', '2026-1-1', ' 2026-01-01'])(
    'rejects %j',
    (input) => {
      expect(isIsoDate(input)).toBe(false);
      expect(() => dayNumberOf(input)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    },
  );
});

describe('instants in Shanghai time', () => {
  it('takes the Shanghai date, which starts at 16:00 UTC the day before', () => {
    expect(shanghaiDateOf(new Date('2026-11-27T15:59:59.999Z'))).toBe('2026-11-27');
    expect(shanghaiDateOf(new Date('2026-11-27T16:00:00Z'))).toBe('2026-11-28');
  });

  it('measures minutes since Shanghai midnight', () => {
    expect(shanghaiMinuteOfDay(new Date('2026-11-27T01:30:30Z'))).toBe(570.5);
    expect(atShanghaiMinute('2026-11-27', 540).toISOString()).toBe('2026-11-27T01:00:00.000Z');
  });

  it('formats with +08:00, showing milliseconds only when present', () => {
    expect(formatShanghai(new Date('2026-11-27T01:00:00Z'))).toBe('2026-11-27T09:00:00+08:00');
    expect(formatShanghai(new Date('2026-10-13T15:59:59.999Z'))).toBe('2026-10-13T23:59:59.999+08:00');
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-10-09T18:00:00+08:00', '2026-10-09T10:00:00.000Z'],
    ['2026-10-09T10:00:00Z', '2026-10-09T10:00:00.000Z'],
    ['2026-10-09T18:00', '2026-10-09T10:00:00.000Z'],
    ['2026-10-09 18:00:30', '2026-10-09T10:00:30.000Z'],
    ['2026-10-09T18:00:00.5', '2026-10-09T10:00:00.500Z'],
    ['2026-10-09', '2026-10-08T16:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(parseInstant(input).toISOString()).toBe(expected);
  });

  it.each(['2026-10-09T25:00', '2026-02-30T10:00', 'yesterday', '2026-10-09T10', ''])(
    'rejects %j',
    (input) => {
      expect(() => parseInstant(input)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    },
  );
});
