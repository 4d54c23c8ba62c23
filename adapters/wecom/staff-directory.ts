import type { Staff } from '../../src/config/config-types.ts';

/** WeCom userid ↔ staff, from config `staff[].identities.wecom` (the same data the flows sync to staff_identities). */
export interface WecomStaffDirectory {
  userIdOf(staffId: string): string | undefined;
  staffIdOf(userId: string): string | undefined;
}

export function createWecomStaffDirectory(staff: readonly Staff[]): WecomStaffDirectory {
  const byStaff = new Map<string, string>();
  const byUser = new Map<string, string>();
  for (const person of staff) {
    const userId = person.identities.wecom;
    if (!userId) continue;
    byStaff.set(person.id, userId);
    byUser.set(userId, person.id);
  }
  return {
    userIdOf: (staffId) => byStaff.get(staffId),
    staffIdOf: (userId) => byUser.get(userId),
  };
}
