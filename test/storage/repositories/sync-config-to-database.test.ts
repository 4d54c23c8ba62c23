import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import {
  departments,
  rotaShifts,
  serviceItems,
  staff,
  staffIdentities,
  staffLeave,
} from '../../../src/storage/schema/index.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';

describe.each(backends)('syncConfigToDatabase on %s', (backend) => {
  const test = useTestDatabase(backend);
  const db = () => test.database.db;

  async function snapshot() {
    return {
      departments: await db()
        .select({ id: departments.id, name: departments.name })
        .from(departments)
        .orderBy(asc(departments.id)),
      items: await db()
        .select({
          id: serviceItems.id,
          department: serviceItems.departmentId,
          online: serviceItems.onlineHelp,
        })
        .from(serviceItems)
        .orderBy(asc(serviceItems.id)),
      staff: await db()
        .select({ id: staff.id, roles: staff.roles, active: staff.active })
        .from(staff)
        .orderBy(asc(staff.id)),
      identities: await db()
        .select()
        .from(staffIdentities)
        .orderBy(asc(staffIdentities.channel), asc(staffIdentities.externalUserId)),
      shifts: (await db().select().from(rotaShifts)).map(({ id: _id, ...rest }) => rest),
      leave: (await db().select().from(staffLeave)).map(({ id: _id, createdAt: _c, ...rest }) => rest),
    };
  }

  it('writes the organisation from config, and a second run leaves the same rows', async () => {
    const config = testConfig();
    const summary = await syncConfigToDatabase(db(), config);
    expect(summary).toMatchObject({ departments: 8, items: 5, staff: config.staff.length });
    const first = await snapshot();
    expect(first.items).toContainEqual({
      id: 'preparation-registration',
      department: 'drug-reg',
      online: true,
    });
    expect(first.identities).toContainEqual(
      expect.objectContaining({ channel: 'dingtalk', externalUserId: 'dt-zhangwei', staffId: 'zhang-wei' }),
    );
    // 09:00–11:30 Mon–Fri: zhang-wei primary and li-na backup, one row per weekday each.
    const morning = first.shifts.filter(
      (s) => s.itemId === 'preparation-registration' && s.startsAt === '09:00:00',
    );
    expect(morning).toHaveLength(10);
    expect(morning.filter((s) => s.role === 'backup').every((s) => s.staffId === 'li-na')).toBe(true);
    expect(first.leave).toEqual([
      { staffId: 'zhang-wei', startsOn: '2026-12-07', endsOn: '2026-12-09', reason: '年休假' },
    ]);

    await syncConfigToDatabase(db(), config);
    expect(await snapshot()).toEqual(first);
  });

  it('follows config changes: renamed department, staff removed (kept inactive), leave cleared', async () => {
    const changed = testConfig((raw) => {
      raw.departments.find((d: { id: string }) => d.id === 'legal').name = '政策法规处';
      raw.staff = raw.staff.filter((s: { id: string }) => s.id !== 'qian-wen');
      raw.rota.leave = [];
    });
    await syncConfigToDatabase(db(), changed);
    const [legal] = await db().select().from(departments).where(eq(departments.id, 'legal'));
    expect(legal?.name).toBe('政策法规处');
    const [gone] = await db().select().from(staff).where(eq(staff.id, 'qian-wen'));
    expect(gone?.active).toBe(false);
    expect(await db().select().from(staffIdentities).where(eq(staffIdentities.staffId, 'qian-wen'))).toEqual(
      [],
    );
    expect(await db().select().from(staffLeave)).toEqual([]);

    await syncConfigToDatabase(db(), testConfig());
    const [back] = await db().select().from(staff).where(eq(staff.id, 'qian-wen'));
    expect(back?.active).toBe(true);
  });
});
