import type { WorkCalendar, WorkingHours } from '../core/calendar.ts';

/**
 * The instant when `seconds` of working time have passed since `start` (the SLA clock pauses over
 * lunch breaks, nights and days off). Each round jumps to the next opening and adds what is still
 * missing, so a 60 s limit crossing 11:30 lands at 13:30 plus the rest.
 */
export function addWorkingSeconds(
  calendar: WorkCalendar,
  start: Date,
  seconds: number,
  hours: WorkingHours,
): Date {
  const from = calendar.nextOpening(start, hours);
  let candidate = new Date(from.getTime() + seconds * 1000);
  // A handful of rounds covers any real schedule: each crosses at least one closed period.
  for (let round = 0; round < 50; round += 1) {
    const missing = seconds - calendar.workingSecondsBetween(from, candidate, hours);
    if (missing <= 1e-6) return candidate;
    candidate = new Date(calendar.nextOpening(candidate, hours).getTime() + missing * 1000);
  }
  return candidate;
}
