/**
 * The working-day calendar (工作日历): Chinese official holidays and 调休 make-up workdays from
 * chinese-days plus per-year config overrides, and working-time arithmetic in Asia/Shanghai.
 * Pure: no I/O, no wall clock; callers pass instants in.
 */
export { createCalendar, type CalendarOptions, type WorkCalendar } from './calendar/create-calendar.ts';
export { checkCalendarOverrides, packageCoverage, type YearSpan } from './calendar/holiday-data.ts';
export {
  assertIsoDate,
  atShanghaiMinute,
  dayNumberOf,
  formatShanghai,
  isIsoDate,
  isoWeekdayOf,
  parseInstant,
  shanghaiDateOf,
  shanghaiMinuteOfDay,
} from './calendar/shanghai-time.ts';
export {
  checkTimeRange,
  checkWorkingHours,
  isClockTime,
  minutesOf,
  rangesOverlap,
} from './calendar/working-hours.ts';
export type {
  CalendarOverrides,
  FieldIssue,
  TimeRange,
  WorkingHours,
  YearOverride,
} from './calendar/types.ts';
