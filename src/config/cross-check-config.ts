import { checkCalendarOverrides, checkWorkingHours, type FieldIssue } from '../core/calendar.ts';
import { validateRota } from '../core/rota.ts';
import type { ConfigFile } from './config-schema.ts';

/** The KB's "general" scope uses this id, so no service item may take it. */
const RESERVED_ITEM_ID = 'general';

/**
 * Checks the schema cannot express: references between sections, duplicates, overlapping shifts,
 * time order, calendar override years. Paths are full (`rota.shifts[2].item`).
 */
export function crossCheckConfig(config: ConfigFile): FieldIssue[] {
  const departmentIds = new Set(config.departments.map((d) => d.id));
  return [
    ...findDuplicateIds(config.departments, 'departments'),
    ...findDuplicateIds(config.items, 'items'),
    ...findDuplicateIds(config.staff, 'staff'),
    ...checkItems(config, departmentIds),
    ...checkStaff(config, departmentIds),
    ...prefixed(
      'rota.',
      validateRota(config.rota, {
        items: new Set(config.items.map((item) => item.id)),
        staffRoles: new Map(config.staff.map((person) => [person.id, person.roles])),
      }),
    ),
    ...checkSla(config.sla),
    ...prefixed('calendar.officeHours', checkWorkingHours(config.calendar.officeHours)),
    ...prefixed('calendar.years.', checkCalendarOverrides(config.calendar.years)),
  ];
}

function prefixed(prefix: string, issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => ({ path: `${prefix}${issue.path}`, message: issue.message }));
}

function findDuplicateIds(list: readonly { id: string }[], section: string): FieldIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: FieldIssue[] = [];
  list.forEach((entry, index) => {
    const first = firstIndex.get(entry.id);
    if (first === undefined) firstIndex.set(entry.id, index);
    else
      issues.push({
        path: `${section}[${index}].id`,
        message: `duplicate id '${entry.id}' (also ${section}[${first}])`,
      });
  });
  return issues;
}

function checkItems(config: ConfigFile, departmentIds: ReadonlySet<string>): FieldIssue[] {
  return config.items.flatMap((item, index) => {
    const path = `items[${index}]`;
    const issues = prefixed(`${path}.hours`, checkWorkingHours(item.hours));
    if (!departmentIds.has(item.department)) {
      issues.push({ path: `${path}.department`, message: `unknown department '${item.department}'` });
    }
    if (item.id === RESERVED_ITEM_ID) {
      issues.push({
        path: `${path}.id`,
        message: `'${RESERVED_ITEM_ID}' is reserved for the knowledge base's general scope`,
      });
    }
    return issues;
  });
}

function checkStaff(config: ConfigFile, departmentIds: ReadonlySet<string>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // Inbound work-chat messages are matched to staff by userid, so each userid must be unique per channel.
  const owners = { wecom: new Map<string, number>(), dingtalk: new Map<string, number>() };
  config.staff.forEach((person, index) => {
    if (!departmentIds.has(person.department)) {
      issues.push({
        path: `staff[${index}].department`,
        message: `unknown department '${person.department}'`,
      });
    }
    for (const channel of ['wecom', 'dingtalk'] as const) {
      const userid = person.identities[channel];
      if (userid === undefined) continue;
      const owner = owners[channel].get(userid);
      if (owner === undefined) owners[channel].set(userid, index);
      else {
        issues.push({
          path: `staff[${index}].identities.${channel}`,
          message: `userid '${userid}' is also used by staff[${owner}]`,
        });
      }
    }
  });
  return issues;
}

function checkSla(sla: ConfigFile['sla']): FieldIssue[] {
  const issues: FieldIssue[] = [];
  sla.reminderSeconds.forEach((seconds, index) => {
    const path = `sla.reminderSeconds[${index}]`;
    const previous = sla.reminderSeconds[index - 1];
    if (seconds >= sla.firstResponseSeconds) {
      issues.push({
        path,
        message: `${seconds} s must be before the first-response limit (${sla.firstResponseSeconds} s)`,
      });
    } else if (previous !== undefined && seconds <= previous) {
      issues.push({
        path,
        message: `reminders must be in increasing order (${seconds} s after ${previous} s)`,
      });
    }
  });
  return issues;
}
