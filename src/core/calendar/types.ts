/** One opening period of a working day, local Asia/Shanghai clock times `HH:mm` (end exclusive). */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/**
 * 办理时间: the periods of a working day when a service item is staffed, e.g. the split shift
 * 09:00–11:30 and 13:30–17:00. Non-working days have no working time at all.
 */
export type WorkingHours = readonly TimeRange[];

/** One year's official schedule from the State Council notice: extra days off and 调休 make-up workdays. */
export interface YearOverride {
  readonly holidays: readonly string[];
  readonly workdays: readonly string[];
}

/** Per-year overrides keyed by the four-digit year, e.g. `{ '2027': { holidays: [...], workdays: [...] } }`. */
export type CalendarOverrides = Readonly<Record<string, YearOverride>>;

/** A problem found while checking data, with the path of the bad field relative to what was checked. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}
