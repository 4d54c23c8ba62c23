import { AppError } from '../core/errors.ts';
import { createCalendar, type WorkCalendar, type WorkingHours } from '../core/calendar.ts';
import type { Config } from './config-types.ts';

/**
 * The working-day calendar the config describes (its year overrides and the alwaysOpen switch).
 * `demo` forces alwaysOpen, so `npm start` can be tried at night without touching the config.
 */
export function calendarFromConfig(config: Config, options: { demo?: boolean } = {}): WorkCalendar {
  return createCalendar({
    overrides: config.calendar.years,
    alwaysOpen: config.calendar.alwaysOpen || options.demo === true,
  });
}

/**
 * Working hours of a service item, or the agency's office hours (`calendar.officeHours`) when no
 * item is given or for the KB's `general` scope. Throws not_found for an unknown item id.
 */
export function workingHoursOf(config: Config, itemId?: string): WorkingHours {
  if (itemId === undefined || itemId === 'general') return config.calendar.officeHours;
  const item = config.items.find((candidate) => candidate.id === itemId);
  if (!item) {
    const known = config.items.map((candidate) => candidate.id).join(', ');
    throw new AppError('not_found', `unknown service item '${itemId}' (known: ${known})`, {
      details: { itemId },
    });
  }
  return item.hours;
}
