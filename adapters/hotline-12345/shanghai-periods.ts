import { shanghaiDateOf } from '../../src/core/calendar.ts';

/** 00:00 in Shanghai (UTC+8, no daylight saving) of the day `at` falls on. */
export function dayStart(at: Date): Date {
  return new Date(`${shanghaiDateOf(at)}T00:00:00+08:00`);
}

/** 00:00 in Shanghai on the 1st of the month `at` falls in. */
export function monthStart(at: Date): Date {
  return new Date(`${shanghaiDateOf(at).slice(0, 7)}-01T00:00:00+08:00`);
}
