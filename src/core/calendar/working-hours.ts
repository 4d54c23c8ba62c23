import { AppError } from '../errors.ts';
import type { FieldIssue, TimeRange, WorkingHours } from './types.ts';

/** `HH:mm` on a 24-hour clock; `24:00` is accepted as an end meaning midnight. */
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** A period of a day in minutes since 00:00, end exclusive. */
export interface MinuteRange {
  readonly start: number;
  readonly end: number;
}

export function isClockTime(text: string): boolean {
  return CLOCK_TIME.test(text);
}

/** Minutes since midnight of `HH:mm`; throws validation_failed naming the input otherwise. */
export function minutesOf(clockTime: string): number {
  if (!isClockTime(clockTime)) {
    throw new AppError('validation_failed', `invalid time '${clockTime}': expected HH:mm`, {
      details: { input: clockTime },
    });
  }
  const [hours, minutes] = clockTime.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Problems in one period (paths `start` / `end`): bad format, or start not before end. */
export function checkTimeRange(range: TimeRange): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isClockTime(range.start) || range.start === '24:00')
    issues.push({ path: 'start', message: 'expected HH:mm' });
  if (!isClockTime(range.end)) issues.push({ path: 'end', message: 'expected HH:mm' });
  if (issues.length === 0 && minutesOf(range.start) >= minutesOf(range.end)) {
    issues.push({ path: 'end', message: `end ${range.end} must be after start ${range.start}` });
  }
  return issues;
}

export function rangesOverlap(a: TimeRange, b: TimeRange): boolean {
  return minutesOf(a.start) < minutesOf(b.end) && minutesOf(b.start) < minutesOf(a.end);
}

/** Problems in a day's working hours (paths `[i].start` …): each period valid, none overlapping. */
export function checkWorkingHours(hours: WorkingHours): FieldIssue[] {
  const issues: FieldIssue[] = [];
  hours.forEach((range, index) => {
    for (const issue of checkTimeRange(range))
      issues.push({ path: `[${index}].${issue.path}`, message: issue.message });
  });
  if (issues.length > 0) return issues;
  hours.forEach((range, index) => {
    hours.slice(0, index).forEach((earlier, earlierIndex) => {
      if (rangesOverlap(range, earlier)) {
        issues.push({
          path: `[${index}]`,
          message: `${range.start}–${range.end} overlaps [${earlierIndex}] ${earlier.start}–${earlier.end}`,
        });
      }
    });
  });
  return issues;
}

/** Working hours as sorted minute ranges; throws validation_failed if they are malformed or empty. */
export function toMinuteRanges(hours: WorkingHours): MinuteRange[] {
  const issues = checkWorkingHours(hours);
  if (hours.length === 0) issues.push({ path: '', message: 'no working periods' });
  if (issues.length > 0) {
    const list = issues.map((issue) => `hours${issue.path}: ${issue.message}`).join('; ');
    throw new AppError('validation_failed', `invalid working hours: ${list}`, { details: { issues } });
  }
  return hours
    .map((range) => ({ start: minutesOf(range.start), end: minutesOf(range.end) }))
    .sort((a, b) => a.start - b.start);
}
