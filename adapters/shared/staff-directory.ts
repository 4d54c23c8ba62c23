import type { Staff } from '../../src/config/config-types.ts';

/**
 * Work-chat userid ↔ staff for one platform, from config `staff[].identities.<channel>` (the same
 * data the flows sync to staff_identities).
 */
export interface StaffDirectory {
  userIdOf(staffId: string): string | undefined;
  staffIdOf(userId: string): string | undefined;
}

export function createStaffDirectory(staff: readonly Staff[], channel: 'wecom' | 'dingtalk'): StaffDirectory {
  const byStaff = new Map<string, string>();
  const byUser = new Map<string, string>();
  for (const person of staff) {
    const userId = person.identities[channel];
    if (!userId) continue;
    byStaff.set(person.id, userId);
    byUser.set(userId, person.id);
  }
  return {
    userIdOf: (staffId) => byStaff.get(staffId),
    staffIdOf: (userId) => byUser.get(userId),
  };
}
