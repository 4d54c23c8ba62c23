import { describe, expect, it } from 'vitest';
import {
  checkTimeRange,
  checkWorkingHours,
  minutesOf,
  toMinuteRanges,
} from '../../../src/core/calendar/working-hours.ts';

describe('minutesOf', () => {
  it('reads HH:mm, with 24:00 as midnight at the end of a day', () => {
    expect(minutesOf('00:00')).toBe(0);
    expect(minutesOf('13:30')).toBe(810);
    expect(minutesOf('24:00')).toBe(1440);
  });

  it.each(['9:00', '24:01', '12:60', '0930', ''])('rejects %j naming it', (input) => {
    expect(() => minutesOf(input)).toThrow(`'${input}'`);
  });
});

describe('checkTimeRange', () => {
  it('accepts a period whose start is before its end', () => {
    expect(checkTimeRange({ start: '09:00', end: '11:30' })).toEqual([]);
    expect(checkTimeRange({ start: '20:00', end: '24:00' })).toEqual([]);
  });

  it('reports a bad format per field, and start >= end on the end', () => {
    expect(checkTimeRange({ start: '9:00', end: '11:30' })).toEqual([
      { path: 'start', message: 'expected HH:mm' },
    ]);
    expect(checkTimeRange({ start: '24:00', end: '24:00' })).toEqual([
      { path: 'start', message: 'expected HH:mm' },
    ]);
    expect(checkTimeRange({ start: '11:30', end: '11:30' })).toEqual([
      { path: 'end', message: 'end 11:30 must be after start 11:30' },
    ]);
  });
});

describe('checkWorkingHours', () => {
  it('reports overlapping periods naming both', () => {
    expect(
      checkWorkingHours([
        { start: '09:00', end: '12:00' },
        { start: '11:30', end: '17:00' },
      ]),
    ).toEqual([{ path: '[1]', message: '11:30–17:00 overlaps [0] 09:00–12:00' }]);
  });

  it('allows periods that touch', () => {
    expect(
      checkWorkingHours([
        { start: '09:00', end: '12:00' },
        { start: '12:00', end: '17:00' },
      ]),
    ).toEqual([]);
  });
});

describe('toMinuteRanges', () => {
  it('sorts periods by start', () => {
    expect(
      toMinuteRanges([
        { start: '13:30', end: '17:00' },
        { start: '09:00', end: '11:30' },
      ]),
    ).toEqual([
      { start: 540, end: 690 },
      { start: 810, end: 1020 },
    ]);
  });

  it('refuses empty or malformed hours', () => {
    expect(() => toMinuteRanges([])).toThrow(/no working periods/);
    expect(() => toMinuteRanges([{ start: '17:00', end: '09:00' }])).toThrow(
      /hours\[0\]\.end: end 09:00 must be after/,
    );
  });
});
