import type { Rota, RotaShift as CoreRotaShift, LeaveEntry as CoreLeaveEntry } from '../core/rota.ts';
import type { CalendarOverrides, WorkingHours } from '../core/calendar.ts';
import type { ConfigFile, LOG_LEVELS, STAFF_ROLES } from './config-schema.ts';

/** Recursively read-only: what loadConfig returns is deep-frozen, and the type says so. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type LogLevel = (typeof LOG_LEVELS)[number];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Where and how the server runs; the environment overrides the file (PORT, HOST, DATA_DIR, …). */
export interface ServerSettings {
  port: number;
  host: string;
  /** Absolute: DATA_DIR or `server.dataDir` resolved against the working directory. */
  dataDir: string;
  /** From DATABASE_URL only (it can hold a password); unset = embedded PGlite under dataDir. */
  databaseUrl?: string;
  logLevel: LogLevel;
}

/** The whole validated configuration, deep-frozen. */
export type Config = DeepReadonly<
  Omit<ConfigFile, 'server'> & {
    server: ServerSettings;
    /** The file it was read from, as given (for logs and error messages). */
    source: string;
  }
>;

/** 事项: a service item with online human help. */
export type ServiceItem = Config['items'][number];
/** 处室: a department. */
export type Department = Config['departments'][number];
/** 工作人员: a staff member with roles and per-channel identities. */
export type Staff = Config['staff'][number];
export type StaffIdentities = Staff['identities'];
export type RotaConfig = Config['rota'];
export type RotaShift = RotaConfig['shifts'][number];
export type LeaveEntry = RotaConfig['leave'][number];
/** 时限: response limits, reminders, escalation, working-day deadlines and targets. */
export type SlaPolicy = Config['sla'];
export type CalendarConfig = Config['calendar'];

// Compile-time proof that config slices can be handed straight to the pure core functions.
type Assignable<From, To> = From extends To ? true : never;
const _rotaFitsCore: Assignable<RotaConfig, Rota> = true;
const _shiftFitsCore: Assignable<RotaShift, CoreRotaShift> = true;
const _leaveFitsCore: Assignable<LeaveEntry, CoreLeaveEntry> = true;
const _hoursFitCore: Assignable<ServiceItem['hours'], WorkingHours> = true;
const _yearsFitCore: Assignable<CalendarConfig['years'], CalendarOverrides> = true;
