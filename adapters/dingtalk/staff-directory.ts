import type { Staff } from '../../src/config/config-types.ts';

/** DingTalk userid ↔ staff, from config `staff[].identities.dingtalk` (what the flows sync to staff_identities). */
export interface DingtalkStaffDirectory {
  userIdOf(staffId: string): string | undefined;
  staffIdOf(userId: string): string | undefined;
}

export function createDingtalkStaffDirectory(staff: readonly Staff[]): DingtalkStaffDirectory {
  const byStaff = new Map<string, string>();
  const byUser = new Map<string, string>();
  for (const person of staff) {
    const userId = person.identities.dingtalk;
    if (!userId) continue;
    byStaff.set(person.id, userId);
    byUser.set(userId, person.id);
  }
  return {
    userIdOf: (staffId) => byStaff.get(staffId),
    staffIdOf: (userId) => byUser.get(userId),
  };
}
