import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Config } from '../../config/config-types.ts';
import type { Db } from '../database.ts';
import {
  departments,
  rotaShifts,
  serviceItems,
  staff,
  staffIdentities,
  staffLeave,
} from '../schema/index.ts';

export interface SyncSummary {
  departments: number;
  items: number;
  staff: number;
  identities: number;
  shifts: number;
  leave: number;
}

/**
 * Makes the organisation tables match the config (the one source of truth for departments, items,
 * staff, rota and leave), in one transaction; running it again leaves the same rows. Rows that history
 * refers to are never deleted: items and staff missing from the config are only marked inactive.
 * Identities, shifts and leave have no history of their own: rows that differ are replaced.
 */
export async function syncConfigToDatabase(db: Db, config: Config): Promise<SyncSummary> {
  return db.transaction(async (tx) => {
    for (const department of config.departments) {
      await tx
        .insert(departments)
        .values({ id: department.id, name: department.name })
        .onConflictDoUpdate({ target: departments.id, set: { name: department.name } });
    }
    await syncItems(tx, config);
    await syncStaff(tx, config);
    const identities = identityRows(config);
    await syncIdentities(tx, identities);
    const rota = await syncRota(tx, config);
    return {
      departments: config.departments.length,
      items: config.items.length,
      staff: config.staff.length,
      identities: identities.length,
      ...rota,
    };
  });
}

async function syncRota(tx: Db, config: Config): Promise<{ shifts: number; leave: number }> {
  const shifts = shiftRows(config);
  const storedShifts = await tx
    .select({
      itemId: rotaShifts.itemId,
      weekday: rotaShifts.weekday,
      startsAt: rotaShifts.startsAt,
      endsAt: rotaShifts.endsAt,
      staffId: rotaShifts.staffId,
      role: rotaShifts.role,
    })
    .from(rotaShifts);
  if (!sameRows(storedShifts, shifts)) {
    await tx.delete(rotaShifts);
    if (shifts.length > 0) await tx.insert(rotaShifts).values(shifts);
  }
  const leave = config.rota.leave.map((entry) => ({
    staffId: entry.staff,
    startsOn: entry.from,
    endsOn: entry.to,
    reason: entry.note ?? null,
  }));
  const storedLeave = await tx
    .select({
      staffId: staffLeave.staffId,
      startsOn: staffLeave.startsOn,
      endsOn: staffLeave.endsOn,
      reason: staffLeave.reason,
    })
    .from(staffLeave);
  if (!sameRows(storedLeave, leave)) {
    await tx.delete(staffLeave);
    if (leave.length > 0) await tx.insert(staffLeave).values(leave);
  }
  return { shifts: shifts.length, leave: leave.length };
}

async function syncItems(tx: Db, config: Config): Promise<void> {
  for (const item of config.items) {
    const values = { name: item.name, departmentId: item.department, onlineHelp: true };
    await tx
      .insert(serviceItems)
      .values({ id: item.id, ...values })
      .onConflictDoUpdate({ target: serviceItems.id, set: values });
  }
  const ids = config.items.map((item) => item.id);
  await tx.update(serviceItems).set({ onlineHelp: false }).where(notInArray(serviceItems.id, ids));
}

async function syncStaff(tx: Db, config: Config): Promise<void> {
  for (const person of config.staff) {
    const values = {
      name: person.name,
      departmentId: person.department,
      roles: [...person.roles],
      active: true,
    };
    await tx
      .insert(staff)
      .values({ id: person.id, ...values })
      .onConflictDoUpdate({ target: staff.id, set: { ...values, updatedAt: sql`now()` } });
  }
  const ids = config.staff.map((person) => person.id);
  const gone = ids.length === 0 ? sql`true` : notInArray(staff.id, ids);
  await tx
    .update(staff)
    .set({ active: false, updatedAt: sql`now()` })
    .where(sql`${gone} and ${staff.active}`);
}

/** Removes identities the config no longer has (or gives to someone else), then adds the missing ones. */
async function syncIdentities(tx: Db, wanted: Array<typeof staffIdentities.$inferInsert>): Promise<void> {
  const key = (row: { channel: string; externalUserId: string; staffId: string }) =>
    `${row.channel}\u0000${row.externalUserId}\u0000${row.staffId}`;
  const wantedKeys = new Set(wanted.map(key));
  const stored = await tx.select().from(staffIdentities);
  for (const row of stored.filter((r) => !wantedKeys.has(key(r)))) {
    await tx
      .delete(staffIdentities)
      .where(
        and(eq(staffIdentities.channel, row.channel), eq(staffIdentities.externalUserId, row.externalUserId)),
      );
  }
  if (wanted.length > 0) await tx.insert(staffIdentities).values(wanted).onConflictDoNothing();
}

/** Same rows in any order (times compared as PostgreSQL returns them, `HH:mm:ss`). */
function sameRows<T extends Record<string, unknown>>(stored: T[], wanted: T[]): boolean {
  const canonical = (rows: T[]) =>
    rows
      .map((row) =>
        JSON.stringify(
          Object.keys(row)
            .sort()
            .map((k) => [k, normaliseTime(row[k])]),
        ),
      )
      .sort()
      .join('\n');
  return canonical(stored) === canonical(wanted);
}

function normaliseTime(value: unknown): unknown {
  return typeof value === 'string' && /^\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
}

function identityRows(config: Config): Array<typeof staffIdentities.$inferInsert> {
  return config.staff.flatMap((person) =>
    Object.entries(person.identities)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([channel, externalUserId]) => ({ channel, externalUserId, staffId: person.id })),
  );
}

function shiftRows(config: Config): Array<typeof rotaShifts.$inferInsert> {
  return config.rota.shifts.flatMap((shift) =>
    shift.weekdays.flatMap((weekday) =>
      [
        ...shift.primary.map((id) => [id, 'primary'] as const),
        ...shift.backup.map((id) => [id, 'backup'] as const),
      ].map(([staffId, role]) => ({
        itemId: shift.item,
        weekday,
        startsAt: shift.start,
        endsAt: shift.end,
        staffId,
        role,
      })),
    ),
  );
}
