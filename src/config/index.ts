/** Configuration: read once at start (loadConfig), validated, frozen, typed. */
export { loadConfig, DEFAULT_CONFIG_FILE, type LoadConfigOptions } from './load-config.ts';
export { calendarFromConfig, workingHoursOf } from './calendar-from-config.ts';
export { parseConfig, type ParseConfigOptions } from './parse-config.ts';
export { configFileSchema, LOG_LEVELS, STAFF_ROLES, type ConfigFile } from './config-schema.ts';
export type { ConfigIssue } from './config-issue.ts';
export type {
  CalendarConfig,
  Config,
  DeepReadonly,
  Department,
  LeaveEntry,
  LogLevel,
  RotaConfig,
  RotaShift,
  ServerSettings,
  ServiceItem,
  SlaPolicy,
  Staff,
  StaffIdentities,
  StaffRole,
} from './config-types.ts';
