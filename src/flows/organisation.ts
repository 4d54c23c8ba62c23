import type { Config, ServiceItem, Staff, StaffRole } from '../config/config-types.ts';
import type { WorkCalendar, WorkingHours } from '../core/calendar.ts';
import { helperCapacity, helpersOnDuty, type OnDuty } from '../core/rota.ts';

/** Who and what the config describes, with the lookups the flow needs (built once). */
export interface Organisation {
  items: readonly ServiceItem[];
  item(itemId: string | null | undefined): ServiceItem | undefined;
  staff(staffId: string): Staff | undefined;
  /** By id, or by exact name (张伟); undefined when unknown or the name is ambiguous. */
  findStaff(idOrName: string): Staff | undefined;
  withRole(role: StaffRole, departmentId?: string): Staff[];
  hasRole(staffId: string, role: StaffRole): boolean;
  /** Supervisors of the department owning the item. */
  supervisorsOf(itemId: string | null): Staff[];
  /** The item's hours, or office hours when the item is unknown. */
  hoursOf(itemId: string | null): WorkingHours;
  /** On the rota now, not on leave, and inside the item's working hours. */
  onDuty(itemId: string, at: Date): OnDuty;
  isOnDuty(staffId: string, itemId: string, at: Date): boolean;
  /** Items the staff member is on duty for now. */
  itemsOnDuty(staffId: string, at: Date): string[];
  capacityOf(staffId: string, itemId: string | null): number;
}

export function createOrganisation(config: Config, calendar: WorkCalendar): Organisation {
  const items = new Map(config.items.map((item) => [item.id, item]));
  const people = new Map(config.staff.map((person) => [person.id, person]));

  const organisation: Organisation = {
    items: config.items,
    item: (itemId) => (itemId ? items.get(itemId) : undefined),
    staff: (staffId) => people.get(staffId),
    findStaff(idOrName) {
      const wanted = idOrName.trim();
      const byId = people.get(wanted);
      if (byId) return byId;
      const named = config.staff.filter((person) => person.name === wanted);
      return named.length === 1 ? named[0] : undefined;
    },
    withRole: (role, departmentId) =>
      config.staff.filter(
        (person) =>
          person.roles.includes(role) && (departmentId === undefined || person.department === departmentId),
      ),
    hasRole: (staffId, role) => people.get(staffId)?.roles.includes(role) ?? false,
    supervisorsOf(itemId) {
      const item = organisation.item(itemId);
      return item ? organisation.withRole('supervisor', item.department) : [];
    },
    hoursOf: (itemId) => organisation.item(itemId)?.hours ?? config.calendar.officeHours,
    onDuty(itemId, at) {
      const item = items.get(itemId);
      if (!item || !calendar.isWorkingTime(at, item.hours)) return { primary: [], backup: [] };
      return helpersOnDuty(config.rota, itemId, at, calendar);
    },
    isOnDuty(staffId, itemId, at) {
      const duty = organisation.onDuty(itemId, at);
      return duty.primary.includes(staffId) || duty.backup.includes(staffId);
    },
    itemsOnDuty: (staffId, at) =>
      config.items.filter((item) => organisation.isOnDuty(staffId, item.id, at)).map((item) => item.id),
    capacityOf: (staffId, itemId) =>
      helperCapacity(people.get(staffId), organisation.item(itemId), config.sla.maxOpenPerHelper),
  };
  return organisation;
}
