import { z } from 'zod';
import { isClockTime, isIsoDate } from '../core/calendar.ts';
import { dingtalkConfigSchema } from './dingtalk-config.ts';
import { hotline12345Schema } from './hotline-config.ts';
import { wechatOaConfigSchema } from './wechat-oa-config.ts';
import { wecomConfigSchema } from './wecom-config.ts';

/*
 * The shape of config/default.yaml. Every object is strict so a misspelt key is an error with its
 * path rather than a silently ignored setting. Secrets have no field here: they come only from the
 * environment (see server-settings.ts and each channel's own slice).
 */

export const STAFF_ROLES = [
  'helper',
  'backup',
  'expert',
  'tech',
  'kb_maintainer',
  'supervisor',
  'leader',
  'admin',
] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const id = z
  .string({ error: 'expected an id' })
  .regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'expected an id of lowercase letters, digits, - or _' });
const text = z.string({ error: 'expected text' }).trim().min(1, { error: 'must not be empty' });
const clockTime = z.string({ error: 'expected HH:mm' }).refine(isClockTime, { error: 'expected HH:mm' });
const isoDate = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .refine(isIsoDate, { error: 'expected an existing date YYYY-MM-DD' });
const positiveInt = z.int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' });
const timeRange = z.strictObject({ start: clockTime, end: clockTime });
const workingHours = z.array(timeRange).min(1, { error: 'needs at least one period' });

const serverSchema = z
  .strictObject({
    port: z.int({ error: 'expected a port number' }).min(0).max(65535).default(3000),
    // Loopback by default so a demo never exposes webhooks and the admin API to the network;
    // deployments (containers) set HOST=0.0.0.0.
    host: text.default('127.0.0.1'),
    dataDir: text.default('./data'),
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .prefault({});

const departmentSchema = z.strictObject({ id, name: text });

const serviceItemSchema = z.strictObject({
  id,
  name: text,
  department: id,
  hours: workingHours,
  capacity: positiveInt.optional(),
});

const staffSchema = z.strictObject({
  id,
  name: text,
  department: id,
  roles: z.array(z.enum(STAFF_ROLES)).min(1, { error: 'needs at least one role' }),
  identities: z.strictObject({ wecom: text.optional(), dingtalk: text.optional() }).prefault({}),
  capacity: positiveInt.optional(),
});

const rotaShiftSchema = z.strictObject({
  item: id,
  weekdays: z
    .array(z.int({ error: 'expected a weekday 1–7' }).min(1).max(7))
    .min(1, { error: 'needs at least one weekday (Monday = 1)' }),
  start: clockTime,
  end: clockTime,
  primary: z.array(id).min(1, { error: 'a shift needs a primary helper' }),
  backup: z.array(id).default([]),
});

const leaveSchema = z.strictObject({ staff: id, from: isoDate, to: isoDate, note: text.optional() });

const rotaSchema = z.strictObject({
  makeupWorkdayWeekday: z.int().min(1).max(7).default(1),
  shifts: z.array(rotaShiftSchema),
  leave: z.array(leaveSchema).default([]),
});

const slaSchema = z
  .strictObject({
    firstResponseSeconds: positiveInt.default(60),
    reminderSeconds: z.array(positiveInt).default([30, 50]),
    maxOpenPerHelper: positiveInt.default(5),
    /** A conversation still with the bot and silent this long is closed as abandoned. */
    abandonAfterMinutes: positiveInt.default(30),
    escalation: z
      .strictObject({
        reassignAfterSeconds: positiveInt.default(60),
        maxReassignments: z.int().min(0).default(3),
        notifySupervisor: z.boolean().default(true),
      })
      .prefault({}),
    workdays: z
      .strictObject({
        contactBadRating: positiveInt.default(1),
        rectifyGeneral: positiveInt.default(5),
        rectifyComplex: positiveInt.default(15),
        kbGapAnswer: positiveInt.default(5),
        kbPolicyBeforePublication: positiveInt.default(1),
        leaderRecord: positiveInt.default(3),
      })
      .prefault({}),
    targets: z
      .strictObject({
        resolutionRate: z.number().min(0).max(1).default(0.9),
        max12345Rate: z.number().min(0).max(1).default(0.1),
        botResolutionRate: z.number().min(0).max(1).default(0.5),
      })
      .prefault({}),
  })
  .prefault({});

const yearOverrideSchema = z.strictObject({
  holidays: z.array(isoDate).default([]),
  workdays: z.array(isoDate).default([]),
});

const calendarSchema = z
  .strictObject({
    alwaysOpen: z.boolean().default(false),
    officeHours: workingHours.default([
      { start: '09:00', end: '11:30' },
      { start: '13:30', end: '17:00' },
    ]),
    years: z.record(z.string(), yearOverrideSchema).default({}),
  })
  .prefault({});

export const configFileSchema = z.strictObject(
  {
    server: serverSchema,
    departments: z.array(departmentSchema).min(1, { error: 'needs at least one department' }),
    items: z.array(serviceItemSchema).min(1, { error: 'needs at least one service item' }),
    staff: z.array(staffSchema),
    rota: rotaSchema,
    sla: slaSchema,
    calendar: calendarSchema,
    wechatOa: wechatOaConfigSchema,
    dingtalk: dingtalkConfigSchema,
    hotline12345: hotline12345Schema,
    wecom: wecomConfigSchema,
  },
  { error: (issue) => (issue.input === undefined || issue.input === null ? 'the file is empty' : undefined) },
);

/** The config file after validation and defaults, before environment overrides. */
export type ConfigFile = z.output<typeof configFileSchema>;
