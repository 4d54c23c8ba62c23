import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar.ts';
import {
  helperCapacity,
  helpersOnDuty,
  isOnLeave,
  shiftsOn,
  validateRota,
  type Rota,
  type RotaReferences,
} from '../../src/core/rota.ts';

const calendar = createCalendar();
const at = (local: string): Date => new Date(`${local}+08:00`);

const rota: Rota = {
  makeupWorkdayWeekday: 1,
  shifts: [
    {
      item: 'device-registration',
      weekdays: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '11:30',
      primary: ['wu-ting'],
      backup: ['zheng-hao'],
    },
    {
      item: 'device-registration',
      weekdays: [1, 3, 5],
      start: '13:30',
      end: '17:00',
      primary: ['zheng-hao'],
      backup: ['huang-lei'],
    },
    {
      item: 'device-registration',
      weekdays: [2, 4],
      start: '13:30',
      end: '17:00',
      primary: ['wu-ting', 'zheng-hao'],
      backup: ['xu-bin'],
    },
    {
      item: 'cosmetics-production-license',
      weekdays: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:00',
      primary: ['yang-fan'],
      backup: ['zhu-lin'],
    },
    {
      item: 'cosmetics-production-license',
      weekdays: [6],
      start: '09:00',
      end: '12:00',
      primary: ['zhu-lin'],
      backup: [],
    },
  ],
  leave: [{ staff: 'wu-ting', from: '2026-12-07', to: '2026-12-09', note: '年休假' }],
};

describe('helpersOnDuty', () => {
  it('returns the primary and backup helpers of the shift running at the instant', () => {
    expect(helpersOnDuty(rota, 'device-registration', at('2026-11-30T10:00:00'), calendar)).toEqual({
      primary: ['wu-ting'],
      backup: ['zheng-hao'],
    });
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-01T14:00:00'), calendar)).toEqual({
      primary: ['wu-ting', 'zheng-hao'],
      backup: ['xu-bin'],
    });
  });

  it('reads the instant in Shanghai time', () => {
    // 2026-11-30T02:00Z is 10:00 on Monday in Shanghai.
    expect(
      helpersOnDuty(rota, 'device-registration', new Date('2026-11-30T02:00:00Z'), calendar).primary,
    ).toEqual(['wu-ting']);
  });

  it.each([
    ['2026-11-30T11:30:00', 'at the end of a shift (end exclusive)'],
    ['2026-11-30T12:00:00', 'in the lunch break'],
    ['2026-11-30T08:59:00', 'before the first shift'],
    ['2026-11-28T10:00:00', 'on a Saturday'],
    ['2026-10-01T10:00:00', 'on a public holiday that is a Thursday'],
  ])('is empty %s (%s)', (local) => {
    expect(helpersOnDuty(rota, 'device-registration', at(local), calendar)).toEqual({
      primary: [],
      backup: [],
    });
  });

  it.each([
    ['2026-11-30T03:00:00', 'at night', ['wu-ting', 'zheng-hao']],
    ['2026-11-30T12:00:00', 'in the lunch break', ['wu-ting', 'zheng-hao']],
    ['2026-11-28T22:00:00', 'on a Saturday night (staffed like Monday)', ['wu-ting', 'zheng-hao']],
    ['2026-10-01T10:00:00', 'on a public holiday', ['wu-ting', 'zheng-hao']],
  ])('with alwaysOpen (demo) someone is on duty %s (%s)', (local, _when, primary) => {
    const demo = createCalendar({ alwaysOpen: true });
    expect(helpersOnDuty(rota, 'device-registration', at(local), demo).primary).toEqual(primary);
  });

  it('is empty for an item without shifts', () => {
    expect(helpersOnDuty(rota, 'drug-production-license', at('2026-11-30T10:00:00'), calendar)).toEqual({
      primary: [],
      backup: [],
    });
  });

  it('staffs a make-up Saturday like the configured weekday', () => {
    // 2026-10-10 is a 调休 Saturday; device-registration has no Saturday shift, so Monday's apply.
    expect(helpersOnDuty(rota, 'device-registration', at('2026-10-10T14:00:00'), calendar)).toEqual({
      primary: ['zheng-hao'],
      backup: ['huang-lei'],
    });
    const tuesdayRota = { ...rota, makeupWorkdayWeekday: 2 };
    expect(
      helpersOnDuty(tuesdayRota, 'device-registration', at('2026-10-10T14:00:00'), calendar).primary,
    ).toEqual(['wu-ting', 'zheng-hao']);
  });

  it("uses an item's own shifts for a make-up Saturday when it has some", () => {
    expect(helpersOnDuty(rota, 'cosmetics-production-license', at('2026-10-10T10:00:00'), calendar)).toEqual({
      primary: ['zhu-lin'],
      backup: [],
    });
    expect(
      helpersOnDuty(rota, 'cosmetics-production-license', at('2026-10-10T14:00:00'), calendar).primary,
    ).toEqual([]);
    // An ordinary Saturday is not a working day, so the Saturday shift does not run.
    expect(
      helpersOnDuty(rota, 'cosmetics-production-license', at('2026-11-28T10:00:00'), calendar).primary,
    ).toEqual([]);
  });

  it('leaves out staff on leave, on every day of the leave inclusive', () => {
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-04T10:00:00'), calendar).primary).toEqual([
      'wu-ting',
    ]);
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-07T10:00:00'), calendar)).toEqual({
      primary: [],
      backup: ['zheng-hao'],
    });
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-08T14:00:00'), calendar).primary).toEqual([
      'zheng-hao',
    ]);
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-09T10:00:00'), calendar).primary).toEqual(
      [],
    );
    expect(helpersOnDuty(rota, 'device-registration', at('2026-12-10T10:00:00'), calendar).primary).toEqual([
      'wu-ting',
    ]);
  });

  it('never lists a primary helper again as a backup', () => {
    const doubled: Rota = {
      ...rota,
      shifts: [
        { item: 'x', weekdays: [1], start: '09:00', end: '10:00', primary: ['a'], backup: ['a', 'b', 'b'] },
      ],
    };
    expect(helpersOnDuty(doubled, 'x', at('2026-11-30T09:30:00'), calendar)).toEqual({
      primary: ['a'],
      backup: ['b'],
    });
  });

  it('throws calendar_data_missing in a year without holiday data', () => {
    expect(() => helpersOnDuty(rota, 'device-registration', at('2027-01-04T10:00:00'), calendar)).toThrow(
      /2027/,
    );
  });
});

describe('shiftsOn and isOnLeave', () => {
  it('lists the shifts of a working date and none on a day off', () => {
    expect(shiftsOn(rota, 'device-registration', '2026-12-02', calendar)).toHaveLength(2);
    expect(shiftsOn(rota, 'device-registration', '2026-10-02', calendar)).toEqual([]);
  });

  it('treats leave as inclusive at both ends', () => {
    expect(isOnLeave(rota, 'wu-ting', '2026-12-06')).toBe(false);
    expect(isOnLeave(rota, 'wu-ting', '2026-12-07')).toBe(true);
    expect(isOnLeave(rota, 'wu-ting', '2026-12-09')).toBe(true);
    expect(isOnLeave(rota, 'zheng-hao', '2026-12-08')).toBe(false);
  });
});

describe('helperCapacity', () => {
  it('prefers the person, then the item, then the default', () => {
    expect(helperCapacity({ capacity: 8 }, { capacity: 4 }, 5)).toBe(8);
    expect(helperCapacity({}, { capacity: 4 }, 5)).toBe(4);
    expect(helperCapacity(undefined, undefined, 5)).toBe(5);
  });
});

describe('validateRota', () => {
  const refs: RotaReferences = {
    items: new Set(['device-registration', 'cosmetics-production-license']),
    staffRoles: new Map<string, string[]>([
      ['wu-ting', ['helper']],
      ['zheng-hao', ['helper']],
      ['huang-lei', ['helper', 'backup']],
      ['xu-bin', ['backup', 'tech']],
      ['yang-fan', ['helper']],
      ['zhu-lin', ['helper', 'kb_maintainer']],
      ['chen-jing', ['expert']],
    ]),
  };

  it('accepts a consistent rota', () => {
    expect(validateRota(rota, refs)).toEqual([]);
  });

  it('reports unknown items and staff, wrong roles and repeated people at their paths', () => {
    const bad: Rota = {
      ...rota,
      shifts: [
        {
          item: 'device-registrations',
          weekdays: [1],
          start: '09:00',
          end: '11:30',
          primary: ['wu-ting'],
          backup: [],
        },
        {
          item: 'device-registration',
          weekdays: [2, 2],
          start: '09:00',
          end: '11:30',
          primary: ['nobody', 'xu-bin'],
          backup: ['chen-jing', 'zheng-hao', 'zheng-hao'],
        },
        {
          item: 'device-registration',
          weekdays: [3],
          start: '09:00',
          end: '11:30',
          primary: ['wu-ting'],
          backup: ['wu-ting'],
        },
        { item: 'device-registration', weekdays: [4], start: '09:00', end: '11:30', primary: [], backup: [] },
      ],
      leave: [],
    };
    expect(validateRota(bad, refs)).toEqual([
      { path: 'shifts[0].item', message: "unknown service item 'device-registrations'" },
      { path: 'shifts[1].weekdays[1]', message: 'weekday 2 is listed twice' },
      { path: 'shifts[1].primary[0]', message: "unknown staff 'nobody'" },
      { path: 'shifts[1].primary[1]', message: "'xu-bin' needs the role helper" },
      { path: 'shifts[1].backup[0]', message: "'chen-jing' needs the role helper or backup" },
      { path: 'shifts[1].backup[2]', message: "'zheng-hao' is listed twice" },
      { path: 'shifts[2].backup[0]', message: "'wu-ting' is already a primary helper of this shift" },
      { path: 'shifts[3].primary', message: 'a shift needs a primary helper' },
    ]);
  });

  it('reports a shift that ends before it starts', () => {
    const bad: Rota = {
      ...rota,
      shifts: [
        {
          item: 'device-registration',
          weekdays: [1],
          start: '17:00',
          end: '13:30',
          primary: ['wu-ting'],
          backup: [],
        },
      ],
      leave: [],
    };
    expect(validateRota(bad, refs)).toEqual([
      { path: 'shifts[0].end', message: 'end 13:30 must be after start 17:00' },
    ]);
  });

  it('reports overlapping shifts of one item on a shared weekday, naming both', () => {
    const bad: Rota = {
      ...rota,
      shifts: [
        {
          item: 'device-registration',
          weekdays: [1, 2, 3],
          start: '09:00',
          end: '11:30',
          primary: ['wu-ting'],
          backup: [],
        },
        {
          item: 'cosmetics-production-license',
          weekdays: [1],
          start: '10:00',
          end: '12:00',
          primary: ['yang-fan'],
          backup: [],
        },
        {
          item: 'device-registration',
          weekdays: [4, 5],
          start: '10:00',
          end: '12:00',
          primary: ['zheng-hao'],
          backup: [],
        },
        {
          item: 'device-registration',
          weekdays: [3, 4],
          start: '11:00',
          end: '12:00',
          primary: ['zheng-hao'],
          backup: [],
        },
        {
          item: 'device-registration',
          weekdays: [1],
          start: '11:30',
          end: '12:00',
          primary: ['zheng-hao'],
          backup: [],
        },
      ],
      leave: [],
    };
    expect(validateRota(bad, refs)).toEqual([
      {
        path: 'shifts[3]',
        message: 'overlaps shifts[0] for device-registration on weekday 3: 11:00–12:00 vs 09:00–11:30',
      },
      {
        path: 'shifts[3]',
        message: 'overlaps shifts[2] for device-registration on weekday 4: 11:00–12:00 vs 10:00–12:00',
      },
    ]);
  });

  it('reports leave for unknown staff and leave that ends before it starts', () => {
    const bad: Rota = {
      ...rota,
      leave: [
        { staff: 'ghost', from: '2026-12-01', to: '2026-12-02' },
        { staff: 'wu-ting', from: '2026-12-09', to: '2026-12-07' },
        { staff: 'wu-ting', from: '2026-12-32', to: '2026-12-07' },
      ],
    };
    expect(validateRota(bad, refs)).toEqual([
      { path: 'leave[0].staff', message: "unknown staff 'ghost'" },
      { path: 'leave[1].to', message: 'leave ends (2026-12-07) before it starts (2026-12-09)' },
      { path: 'leave[2].from', message: "invalid date '2026-12-32': expected YYYY-MM-DD" },
    ]);
  });
});
