import { AppError } from '../errors.ts';
import { HolidayData } from './holiday-data.ts';
import {
  MS_PER_DAY,
  MS_PER_MINUTE,
  dateOfDayNumber,
  dayNumberOf,
  shanghaiDayNumberOf,
  shanghaiDayStartMs,
} from './shanghai-time.ts';
import type { CalendarOverrides, WorkingHours } from './types.ts';
import { toMinuteRanges, type MinuteRange } from './working-hours.ts';

/**
 * 工作日历: working days (official holidays and 调休 make-up days) and working time in Asia/Shanghai.
 * Dates are `YYYY-MM-DD` strings of the Shanghai calendar; instants are `Date`s.
 */
export interface WorkCalendar {
  /** True when every instant counts as working time (demo switch, `calendar.alwaysOpen`). */
  readonly alwaysOpen: boolean;
  /** Is this Shanghai date a working day? Not affected by alwaysOpen. */
  isWorkday(date: string): boolean;
  /** Is the instant inside `hours` on a working day (always true when alwaysOpen)? */
  isWorkingTime(instant: Date, hours: WorkingHours): boolean;
  /** The first instant at or after `instant` that is working time: `instant` itself when open. */
  nextOpening(instant: Date, hours: WorkingHours): Date;
  /**
   * The Nth working day after `date` (the date itself never counts, whether or not it is a
   * working day); n = 0 returns `date`, negative n counts backwards (Nth working day before).
   */
  addWorkdays(date: string, n: number): string;
  /**
   * Deadline of "within N working days" of an event at `instant`: the end of the Nth working day
   * after the event's Shanghai date, i.e. 23:59:59.999 +08:00, so anything done on that day is on time.
   */
  deadlineAfterWorkdays(instant: Date, n: number): Date;
  /** Seconds of working time in [a, b) (fractional; 0 when b <= a). Wall-clock seconds when alwaysOpen. */
  workingSecondsBetween(a: Date, b: Date, hours: WorkingHours): number;
  /** Years with holiday data (package years plus config override years), ascending. */
  coveredYears(): number[];
  hasDataForYear(year: number): boolean;
}

export interface CalendarOptions {
  overrides?: CalendarOverrides;
  alwaysOpen?: boolean;
}

// A search for the next working day gives up after this many days; no real schedule has a gap
// this long, so hitting it means the overrides declare (nearly) a whole year off.
const MAX_SEARCH_DAYS = 400;

export function createCalendar(options: CalendarOptions = {}): WorkCalendar {
  const data = new HolidayData(options.overrides ?? {});
  const alwaysOpen = options.alwaysOpen ?? false;
  const rangesCache = new WeakMap<WorkingHours, MinuteRange[]>();

  const rangesOf = (hours: WorkingHours): MinuteRange[] => {
    let ranges = rangesCache.get(hours);
    if (!ranges) {
      ranges = toMinuteRanges(hours);
      rangesCache.set(hours, ranges);
    }
    return ranges;
  };

  const isWorkdayNumber = (dayNumber: number): boolean => data.isWorkday(dateOfDayNumber(dayNumber));

  /** Working periods of one Shanghai day as [startMs, endMs) instants; none on a day off. */
  const periodsOfDay = (dayNumber: number, ranges: MinuteRange[]): Array<[number, number]> => {
    if (!isWorkdayNumber(dayNumber)) return [];
    const dayStart = shanghaiDayStartMs(dayNumber);
    return ranges.map((r) => [dayStart + r.start * MS_PER_MINUTE, dayStart + r.end * MS_PER_MINUTE]);
  };

  const stepWorkdays = (dayNumber: number, n: number): number => {
    checkInteger(n, 'n');
    const step = n < 0 ? -1 : 1;
    let day = dayNumber;
    for (let found = 0; found < Math.abs(n);) {
      let searched = 0;
      do {
        day += step;
        searched += 1;
        if (searched > MAX_SEARCH_DAYS) throw noWorkdayFound(dateOfDayNumber(dayNumber));
      } while (!isWorkdayNumber(day));
      found += 1;
    }
    return day;
  };

  return {
    alwaysOpen,
    isWorkday: (date) => data.isWorkday(dateOfDayNumber(dayNumberOf(date))),

    isWorkingTime(instant, hours) {
      if (alwaysOpen) return true;
      const t = instant.getTime();
      return periodsOfDay(shanghaiDayNumberOf(instant), rangesOf(hours)).some(([s, e]) => t >= s && t < e);
    },

    nextOpening(instant, hours) {
      if (alwaysOpen) return new Date(instant.getTime());
      const ranges = rangesOf(hours);
      const t = instant.getTime();
      const firstDay = shanghaiDayNumberOf(instant);
      for (let day = firstDay; day <= firstDay + MAX_SEARCH_DAYS; day += 1) {
        for (const [start, end] of periodsOfDay(day, ranges)) {
          if (t < end) return new Date(Math.max(t, start));
        }
      }
      throw noWorkdayFound(dateOfDayNumber(firstDay));
    },

    addWorkdays: (date, n) => dateOfDayNumber(stepWorkdays(dayNumberOf(date), n)),

    deadlineAfterWorkdays(instant, n) {
      const day = stepWorkdays(shanghaiDayNumberOf(instant), n);
      return new Date(shanghaiDayStartMs(day) + MS_PER_DAY - 1);
    },

    workingSecondsBetween(a, b, hours) {
      const from = a.getTime();
      const to = b.getTime();
      if (to <= from) return 0;
      if (alwaysOpen) return (to - from) / 1000;
      const ranges = rangesOf(hours);
      let ms = 0;
      // The last day is the one holding the last millisecond before b, so an interval ending at
      // midnight never consults the following day (which may lie in a year without data).
      const lastDay = shanghaiDayNumberOf(new Date(to - 1));
      for (let day = shanghaiDayNumberOf(a); day <= lastDay; day += 1) {
        for (const [start, end] of periodsOfDay(day, ranges)) {
          ms += Math.max(0, Math.min(end, to) - Math.max(start, from));
        }
      }
      return ms / 1000;
    },

    coveredYears: () => data.coveredYears(),
    hasDataForYear: (year) => data.hasYear(year),
  };
}

function checkInteger(n: number, name: string): void {
  if (!Number.isSafeInteger(n)) {
    throw new AppError(
      'validation_failed',
      `invalid ${name} '${n}': expected a whole number of working days`,
      {
        details: { input: n },
      },
    );
  }
}

function noWorkdayFound(from: string): AppError {
  return new AppError(
    'validation_failed',
    `no working day within ${MAX_SEARCH_DAYS} days of ${from}: check calendar.years in the config`,
    { details: { from } },
  );
}
