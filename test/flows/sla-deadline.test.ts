import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar.ts';
import { addWorkingSeconds } from '../../src/flows/sla-deadline.ts';

const hours = [
  { start: '09:00', end: '11:30' },
  { start: '13:30', end: '17:00' },
];
const calendar = createCalendar();

describe('addWorkingSeconds', () => {
  it('adds plain seconds inside working time', () => {
    expect(addWorkingSeconds(calendar, new Date('2026-11-27T02:00:00Z'), 60, hours)).toEqual(
      new Date('2026-11-27T02:01:00Z'),
    );
  });

  it('pauses over the lunch break', () => {
    // 11:29:40 + 60 s of working time = 11:30 (20 s) … 13:30:40.
    expect(addWorkingSeconds(calendar, new Date('2026-11-27T03:29:40Z'), 60, hours)).toEqual(
      new Date('2026-11-27T05:30:40Z'),
    );
  });

  it('starts at the next opening when outside hours, across the weekend', () => {
    // Friday 17:30 → Monday 09:00 + 30 s.
    expect(addWorkingSeconds(calendar, new Date('2026-11-27T09:30:00Z'), 30, hours)).toEqual(
      new Date('2026-11-30T01:00:30Z'),
    );
  });

  it('is wall-clock time when the calendar is always open (demo)', () => {
    const open = createCalendar({ alwaysOpen: true });
    expect(addWorkingSeconds(open, new Date('2026-11-28T14:00:00Z'), 50, hours)).toEqual(
      new Date('2026-11-28T14:00:50Z'),
    );
  });
});
