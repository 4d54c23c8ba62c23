import {
  checkTimeRange,
  isIsoDate,
  isoWeekdayOf,
  minutesOf,
  rangesOverlap,
  shanghaiDateOf,
  shanghaiMinuteOfDay,
  type FieldIssue,
  type WorkCalendar,
} from './calendar.ts';

/** 排班: a recurring shift of one service item on some weekdays, with its primary and backup helpers. */
export interface RotaShift {
  readonly item: string;
  /** ISO weekdays the shift repeats on: Monday = 1 … Sunday = 7. */
  readonly weekdays: readonly number[];
  /** Local Asia/Shanghai `HH:mm`, end exclusive. */
  readonly start: string;
  readonly end: string;
  readonly primary: readonly string[];
  readonly backup: readonly string[];
}

/** 请假: a staff member is away on every day from `from` to `to` inclusive. */
export interface LeaveEntry {
  readonly staff: string;
  readonly from: string;
  readonly to: string;
  readonly note?: string;
}

export interface Rota {
  readonly shifts: readonly RotaShift[];
  readonly leave: readonly LeaveEntry[];
  /**
   * Which weekday's shifts a 调休 make-up workday on a weekend follows when the item has no shift of
   * its own on that weekend day (Monday = 1 unless configured).
   */
  readonly makeupWorkdayWeekday: number;
}

export interface OnDuty {
  primary: string[];
  backup: string[];
}

/** Shifts of `itemId` that apply on a Shanghai date: none on a day off. */
export function shiftsOn(rota: Rota, itemId: string, date: string, calendar: WorkCalendar): RotaShift[] {
  // alwaysOpen (the demo switch) staffs days off like a make-up workday, so someone is always on duty.
  if (!calendar.alwaysOpen && !calendar.isWorkday(date)) return [];
  const itemShifts = rota.shifts.filter((shift) => shift.item === itemId);
  const weekday = isoWeekdayOf(date);
  const own = itemShifts.filter((shift) => shift.weekdays.includes(weekday));
  if (own.length > 0 || weekday <= 5) return own;
  return itemShifts.filter((shift) => shift.weekdays.includes(rota.makeupWorkdayWeekday));
}

export function isOnLeave(rota: Rota, staffId: string, date: string): boolean {
  // ISO dates compare correctly as strings.
  return rota.leave.some((entry) => entry.staff === staffId && entry.from <= date && date <= entry.to);
}

/**
 * Who is on duty for a service item at an instant: the primary and backup helpers of the shifts
 * running then, minus anyone on leave that day. Empty lists on days off and outside every shift —
 * except with calendar.alwaysOpen (the demo switch), where the day's shifts run around the clock.
 */
export function helpersOnDuty(rota: Rota, itemId: string, instant: Date, calendar: WorkCalendar): OnDuty {
  const date = shanghaiDateOf(instant);
  const minute = shanghaiMinuteOfDay(instant);
  const running = shiftsOn(rota, itemId, date, calendar).filter(
    (shift) => calendar.alwaysOpen || (minutesOf(shift.start) <= minute && minute < minutesOf(shift.end)),
  );
  const available = (staffId: string): boolean => !isOnLeave(rota, staffId, date);
  const primary = unique(running.flatMap((shift) => shift.primary)).filter(available);
  const backup = unique(running.flatMap((shift) => shift.backup)).filter(
    (staffId) => available(staffId) && !primary.includes(staffId),
  );
  return { primary, backup };
}

/**
 * How many open conversations a helper may hold for an item: the person's own limit, else the
 * item's, else the SLA default (`sla.maxOpenPerHelper`).
 */
export function helperCapacity(
  staff: { readonly capacity?: number | undefined } | undefined,
  item: { readonly capacity?: number | undefined } | undefined,
  defaultCapacity: number,
): number {
  return staff?.capacity ?? item?.capacity ?? defaultCapacity;
}

/** What a rota may refer to: item ids, and each staff id with its roles. */
export interface RotaReferences {
  readonly items: ReadonlySet<string>;
  readonly staffRoles: ReadonlyMap<string, readonly string[]>;
}

/**
 * Problems in a rota, with paths relative to the rota (`shifts[2].start`): unknown items or staff,
 * helpers without the right role, bad times, overlapping shifts of one item, leave ending before it starts.
 */
export function validateRota(rota: Rota, refs: RotaReferences): FieldIssue[] {
  const issues: FieldIssue[] = [];
  rota.shifts.forEach((shift, index) => issues.push(...checkShift(shift, `shifts[${index}]`, refs)));
  issues.push(...findOverlaps(rota.shifts));
  rota.leave.forEach((entry, index) => issues.push(...checkLeave(entry, `leave[${index}]`, refs)));
  return issues;
}

function checkShift(shift: RotaShift, path: string, refs: RotaReferences): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!refs.items.has(shift.item))
    issues.push({ path: `${path}.item`, message: `unknown service item '${shift.item}'` });
  shift.weekdays.forEach((day, i) => {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      issues.push({ path: `${path}.weekdays[${i}]`, message: 'expected a weekday 1–7 (Monday = 1)' });
    } else if (shift.weekdays.indexOf(day) !== i) {
      issues.push({ path: `${path}.weekdays[${i}]`, message: `weekday ${day} is listed twice` });
    }
  });
  for (const issue of checkTimeRange(shift))
    issues.push({ path: `${path}.${issue.path}`, message: issue.message });
  if (shift.primary.length === 0)
    issues.push({ path: `${path}.primary`, message: 'a shift needs a primary helper' });
  issues.push(...checkHelpers(shift.primary, `${path}.primary`, ['helper'], refs));
  issues.push(...checkHelpers(shift.backup, `${path}.backup`, ['helper', 'backup'], refs));
  shift.backup.forEach((staffId, i) => {
    if (shift.primary.includes(staffId)) {
      issues.push({
        path: `${path}.backup[${i}]`,
        message: `'${staffId}' is already a primary helper of this shift`,
      });
    }
  });
  return issues;
}

function checkHelpers(
  staffIds: readonly string[],
  path: string,
  allowedRoles: readonly string[],
  refs: RotaReferences,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  staffIds.forEach((staffId, i) => {
    const roles = refs.staffRoles.get(staffId);
    if (!roles) {
      issues.push({ path: `${path}[${i}]`, message: `unknown staff '${staffId}'` });
    } else if (!roles.some((role) => allowedRoles.includes(role))) {
      issues.push({
        path: `${path}[${i}]`,
        message: `'${staffId}' needs the role ${allowedRoles.join(' or ')}`,
      });
    } else if (staffIds.indexOf(staffId) !== i) {
      issues.push({ path: `${path}[${i}]`, message: `'${staffId}' is listed twice` });
    }
  });
  return issues;
}

function findOverlaps(shifts: readonly RotaShift[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const valid = (shift: RotaShift): boolean => checkTimeRange(shift).length === 0;
  shifts.forEach((shift, j) => {
    if (!valid(shift)) return;
    shifts.slice(0, j).forEach((earlier, i) => {
      if (earlier.item !== shift.item || !valid(earlier) || !rangesOverlap(earlier, shift)) return;
      const shared = shift.weekdays.filter((day) => earlier.weekdays.includes(day));
      if (shared.length === 0) return;
      issues.push({
        path: `shifts[${j}]`,
        message:
          `overlaps shifts[${i}] for ${shift.item} on ${shared.length === 1 ? 'weekday' : 'weekdays'} ${shared.join(', ')}: ` +
          `${shift.start}–${shift.end} vs ${earlier.start}–${earlier.end}`,
      });
    });
  });
  return issues;
}

function checkLeave(entry: LeaveEntry, path: string, refs: RotaReferences): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!refs.staffRoles.has(entry.staff))
    issues.push({ path: `${path}.staff`, message: `unknown staff '${entry.staff}'` });
  for (const field of ['from', 'to'] as const) {
    if (!isIsoDate(entry[field])) {
      issues.push({
        path: `${path}.${field}`,
        message: `invalid date '${entry[field]}': expected YYYY-MM-DD`,
      });
    }
  }
  if (isIsoDate(entry.from) && isIsoDate(entry.to) && entry.from > entry.to) {
    issues.push({ path: `${path}.to`, message: `leave ends (${entry.to}) before it starts (${entry.from})` });
  }
  return issues;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
