import { asc, eq } from 'drizzle-orm';
import type { StaffRole } from '../config/config-types.ts';
import type { Db } from '../storage/database.ts';
import { staff } from '../storage/schema/organisation.ts';

/** A staff member as the desk knows them (from the `staff` table, loaded from config). */
export interface DeskStaff {
  id: string;
  name: string;
  departmentId: string | null;
  roles: StaffRole[];
  active: boolean;
}

export async function findStaff(db: Db, staffId: string): Promise<DeskStaff | null> {
  const rows = await db.select().from(staff).where(eq(staff.id, staffId)).limit(1);
  const row = rows[0];
  return row ? toDeskStaff(row) : null;
}

/** Active staff, for the transfer picker. */
export async function listActiveStaff(db: Db): Promise<DeskStaff[]> {
  const rows = await db.select().from(staff).where(eq(staff.active, true)).orderBy(asc(staff.id));
  return rows.map(toDeskStaff);
}

export function toDeskStaff(row: typeof staff.$inferSelect): DeskStaff {
  return {
    id: row.id,
    name: row.name,
    departmentId: row.departmentId,
    roles: row.roles as StaffRole[],
    active: row.active,
  };
}
