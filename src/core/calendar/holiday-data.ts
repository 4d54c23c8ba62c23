import cd from 'chinese-days';
import { AppError } from '../errors.ts';
import { isIsoDate, isoWeekdayOf } from './shanghai-time.ts';
import type { CalendarOverrides, FieldIssue } from './types.ts';

/** The years the installed chinese-days release has official holiday data for. */
export interface YearSpan {
  readonly first: number;
  readonly last: number;
}

// chinese-days has no "covered years" API and answers an uncovered year as plain Mon–Fri weekdays.
// Every covered year lists 1 January (元旦) among its holidays, and an uncovered year lists nothing
// (ordinary weekends are left out with includeWeekends = false), so probe year by year from the
// first year the package has ever shipped (2004) until 1 January comes back empty. Well under 1 ms.
const FIRST_PROBE_YEAR = 2004;
const PROBE_LIMIT_YEAR = 2200;

function hasPackageHolidays(year: number): boolean {
  return cd.getHolidaysInRange(`${year}-01-01`, `${year}-01-01`, false).length > 0;
}

function probePackageCoverage(): YearSpan {
  let last = FIRST_PROBE_YEAR - 1;
  while (last + 1 < PROBE_LIMIT_YEAR && hasPackageHolidays(last + 1)) last += 1;
  return { first: FIRST_PROBE_YEAR, last };
}

let coverage: YearSpan | undefined;

/** Years covered by chinese-days (2004–2026 for release 1.5.7), computed on first use. */
export function packageCoverage(): YearSpan {
  coverage ??= probePackageCoverage();
  return coverage;
}

/**
 * Decides whether a date is a working day. Precedence, most specific first:
 *   1. the config override for that year (`holidays` → off, `workdays` → on);
 *   2. chinese-days, for the years it covers (official holidays and 调休 make-up days);
 *   3. for a year present only in the config: Monday–Friday on, weekends off.
 * A year with neither package data nor a config entry throws calendar_data_missing: a silent
 * weekday guess would put deadlines on public holidays.
 */
export class HolidayData {
  readonly #overrides: CalendarOverrides;
  readonly #holidays = new Set<string>();
  readonly #workdays = new Set<string>();
  readonly #cache = new Map<string, boolean>();

  constructor(overrides: CalendarOverrides) {
    const issues = checkCalendarOverrides(overrides);
    if (issues.length > 0) {
      const list = issues.map((issue) => `calendar.years.${issue.path}: ${issue.message}`).join('; ');
      throw new AppError('validation_failed', `invalid calendar overrides: ${list}`, { details: { issues } });
    }
    this.#overrides = overrides;
    for (const year of Object.values(overrides)) {
      for (const date of year.holidays) this.#holidays.add(date);
      for (const date of year.workdays) this.#workdays.add(date);
    }
  }

  hasYear(year: number): boolean {
    const span = packageCoverage();
    return (year >= span.first && year <= span.last) || Object.hasOwn(this.#overrides, String(year));
  }

  coveredYears(): number[] {
    const span = packageCoverage();
    const years = new Set<number>();
    for (let year = span.first; year <= span.last; year += 1) years.add(year);
    for (const key of Object.keys(this.#overrides)) years.add(Number(key));
    return [...years].sort((a, b) => a - b);
  }

  /** `date` must already be a valid `YYYY-MM-DD`. */
  isWorkday(date: string): boolean {
    const cached = this.#cache.get(date);
    if (cached !== undefined) return cached;
    const answer = this.#decide(date);
    this.#cache.set(date, answer);
    return answer;
  }

  #decide(date: string): boolean {
    const year = Number(date.slice(0, 4));
    if (!this.hasYear(year)) throw missingYear(year, date);
    if (this.#holidays.has(date)) return false;
    if (this.#workdays.has(date)) return true;
    const span = packageCoverage();
    if (year >= span.first && year <= span.last) return cd.isWorkday(date);
    return isoWeekdayOf(date) <= 5;
  }
}

function missingYear(year: number, date: string): AppError {
  const span = packageCoverage();
  return new AppError(
    'calendar_data_missing',
    `no holiday data for ${year} (needed for ${date}): add calendar.years.${year} (holidays and make-up ` +
      `workdays from the State Council notice) to the config; chinese-days covers ${span.first}–${span.last}`,
    { details: { year, date } },
  );
}

/**
 * Problems in calendar overrides, with paths relative to `calendar.years`: a key that is not a
 * four-digit year, a date that is not real or lies outside its year, a date both off and on.
 */
export function checkCalendarOverrides(overrides: CalendarOverrides): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [year, entry] of Object.entries(overrides)) {
    if (!/^\d{4}$/.test(year)) {
      issues.push({ path: year, message: 'expected a four-digit year such as 2027' });
      continue;
    }
    for (const list of ['holidays', 'workdays'] as const) {
      entry[list].forEach((date, index) => {
        if (!isIsoDate(date)) {
          issues.push({
            path: `${year}.${list}[${index}]`,
            message: `invalid date '${date}': expected YYYY-MM-DD`,
          });
        } else if (!date.startsWith(`${year}-`)) {
          issues.push({ path: `${year}.${list}[${index}]`, message: `${date} is not in ${year}` });
        }
      });
    }
    const holidays = new Set(entry.holidays);
    entry.workdays.forEach((date, index) => {
      if (holidays.has(date)) {
        issues.push({
          path: `${year}.workdays[${index}]`,
          message: `${date} is also listed in ${year}.holidays; a day is either off or on`,
        });
      }
    });
  }
  return issues;
}
