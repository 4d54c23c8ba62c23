import { AppError } from '../errors.ts';

/*
 * All business time is Asia/Shanghai. China has had no daylight saving time since 1991, so a fixed
 * +08:00 offset is exact for every date this service can meet; it also keeps the core free of Intl
 * time-zone data and makes the arithmetic below plain integer maths.
 */
export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
export const MS_PER_DAY = 24 * 60 * 60 * 1000;
export const MS_PER_MINUTE = 60 * 1000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, or undefined for anything else. */
function dayNumberOrUndefined(date: string): number | undefined {
  const match = ISO_DATE.exec(date);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a round trip catches every impossible date.
  const exists =
    back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day;
  return exists ? ms / MS_PER_DAY : undefined;
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`; throws validation_failed naming the input otherwise. */
export function dayNumberOf(date: string): number {
  const dayNumber = dayNumberOrUndefined(date);
  if (dayNumber !== undefined) return dayNumber;
  throw new AppError(
    'validation_failed',
    `invalid date '${date}': expected an existing calendar date YYYY-MM-DD`,
    {
      details: { input: date },
    },
  );
}

/** The `YYYY-MM-DD` of a day number (inverse of dayNumberOf). */
export function dateOfDayNumber(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Throws validation_failed unless `date` is a real `YYYY-MM-DD`; returns it for chaining. */
export function assertIsoDate(date: string): string {
  dayNumberOf(date);
  return date;
}

export function isIsoDate(date: string): boolean {
  return dayNumberOrUndefined(date) !== undefined;
}

/** ISO weekday of a date: Monday = 1 … Sunday = 7. */
export function isoWeekdayOf(date: string): number {
  const sundayIsZero = new Date(dayNumberOf(date) * MS_PER_DAY).getUTCDay();
  return sundayIsZero === 0 ? 7 : sundayIsZero;
}

/** The Shanghai calendar day an instant falls on, as a day number. */
export function shanghaiDayNumberOf(instant: Date): number {
  return Math.floor((assertValidInstant(instant).getTime() + SHANGHAI_OFFSET_MS) / MS_PER_DAY);
}

/** The Shanghai calendar date (`YYYY-MM-DD`) an instant falls on. */
export function shanghaiDateOf(instant: Date): string {
  return dateOfDayNumber(shanghaiDayNumberOf(instant));
}

/** Minutes since Shanghai midnight of an instant, fractional (09:30:30 → 570.5). */
export function shanghaiMinuteOfDay(instant: Date): number {
  const msIntoDay =
    assertValidInstant(instant).getTime() + SHANGHAI_OFFSET_MS - shanghaiDayNumberOf(instant) * MS_PER_DAY;
  return msIntoDay / MS_PER_MINUTE;
}

/** The instant a Shanghai day starts (00:00 +08:00), as epoch milliseconds. */
export function shanghaiDayStartMs(dayNumber: number): number {
  return dayNumber * MS_PER_DAY - SHANGHAI_OFFSET_MS;
}

/** The instant of `minuteOfDay` on a Shanghai date, e.g. (`2026-10-12`, 540) → 09:00 +08:00. */
export function atShanghaiMinute(date: string, minuteOfDay: number): Date {
  return new Date(shanghaiDayStartMs(dayNumberOf(date)) + minuteOfDay * MS_PER_MINUTE);
}

/** `2026-10-12T09:00:00+08:00` (milliseconds shown only when not zero). */
export function formatShanghai(instant: Date): string {
  const local = new Date(assertValidInstant(instant).getTime() + SHANGHAI_OFFSET_MS).toISOString();
  const withoutZone = local.endsWith('.000Z') ? local.slice(0, -5) : local.slice(0, -1);
  return `${withoutZone}+08:00`;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Reads an instant typed by a person: `2026-10-09T18:00:00+08:00`, `…Z`, or a zone-less
 * `2026-10-09T18:00` / `2026-10-09 18:00` / `2026-10-09`, which mean Shanghai local time.
 */
export function parseInstant(text: string): Date {
  const match = INSTANT.exec(text.trim());
  const date = match?.[1];
  if (match && date !== undefined && isIsoDate(date)) {
    const [hh, mm, ss] = [Number(match[2] ?? 0), Number(match[3] ?? 0), Number(match[4] ?? 0)];
    const zone = match[6] ?? '+08:00';
    if (hh <= 23 && mm <= 59 && ss <= 59) {
      const millis = (match[5] ?? '.').slice(1).padEnd(3, '0');
      const instant = new Date(`${date}T${pad(hh)}:${pad(mm)}:${pad(ss)}.${millis}${zone}`);
      if (!Number.isNaN(instant.getTime())) return instant;
    }
  }
  throw new AppError(
    'validation_failed',
    `invalid instant '${text}': expected YYYY-MM-DD[THH:mm[:ss]][Z|±HH:mm] (no zone = Asia/Shanghai)`,
    { details: { input: text } },
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function assertValidInstant(instant: Date): Date {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new AppError('validation_failed', `invalid instant: ${String(instant)}`);
  }
  return instant;
}
