import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { clearTables, PREP_ITEM, startHotlineHarness, type HotlineHarness } from './hotline-harness.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-hotline-rate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = testConfig();
const supervisor = config.staff.find((s) => s.roles.includes('supervisor') && !s.roles.includes('admin'))!;
const PATH = '/api/admin/hotline/dispatch-rate';

describe.each(backends)('12345 dispatch rate on %s (ARCHITECTURE.md §7)', (backend) => {
  const test = useTestDatabase(backend);
  let h: HotlineHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearTables(test.database);
    h = await startHotlineHarness(test.database, config, { dataDir });
    // Three conversations handed to a human, one pushed; one bot-only conversation does not count.
    for (const user of ['a1', 'a2', 'a3']) await h.handOff(user);
    await h.flows.handleInbound({
      channel: 'webchat',
      channelUserId: 'bot-only',
      senderRole: 'citizen',
      externalId: `bot-only-${backend}`,
      kind: 'text',
      text: '制剂注册需要哪些材料',
    });
    await h.push('a1');
    await h.settle();
  });
  afterEach(async () => {
    await h.close();
  });

  const get = async (query: string, token?: string) =>
    fetch(`${h.url}${PATH}${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('computes pushed ÷ human-helped per item and overall, and warns above 10 %', async () => {
    const report = await h.hotline.dispatchRate({
      from: new Date('2026-11-01T00:00:00+08:00'),
      to: new Date('2026-12-01T00:00:00+08:00'),
    });
    expect(report.total).toMatchObject({ itemId: null, humanHelped: 3, pushed: 1, aboveTarget: true });
    expect(report.total.rate).toBeCloseTo(1 / 3);
    expect(report.items).toEqual([
      expect.objectContaining({ itemId: PREP_ITEM, itemName: '医疗机构制剂注册', humanHelped: 3, pushed: 1 }),
    ]);
    expect(report.target).toBe(0.1);
    expect(report.warnings).toHaveLength(2);
    expect(
      h.logs().filter((r) => r['level'] === 40 && String(r['msg']).includes('dispatch rate')),
    ).toHaveLength(2);
    // A period before any handoff: 0 of 0, no rate, no warning.
    const empty = await h.hotline.dispatchRate({ from: new Date('2026-10-01'), to: new Date('2026-11-01') });
    expect(empty).toMatchObject({
      total: { humanHelped: 0, pushed: 0, rate: null },
      items: [],
      warnings: [],
    });
  });

  it('serves the admin API to supervisors and admins only, with the warning in the answer', async () => {
    expect((await get('')).status).toBe(401);
    const helper = await get('', await h.deskToken('zhang-wei'));
    expect(helper.status).toBe(403);
    const res = await get('?from=2026-11-01&to=2026-12-01', await h.deskToken(supervisor.id));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      from: '2026-10-31T16:00:00.000Z',
      to: '2026-11-30T16:00:00.000Z',
      target: 0.1,
      warning: true,
      total: { humanHelped: 3, pushed: 1 },
      items: [{ itemId: PREP_ITEM, humanHelped: 3, pushed: 1, aboveTarget: true }],
    });
    expect((body['warnings'] as string[])[0]).toContain('33.3%');
    // Default: this month (Shanghai) up to now (exclusive).
    h.clock.advance(1000);
    const month = (await (await get('', await h.deskToken(supervisor.id))).json()) as Record<string, unknown>;
    expect(month).toMatchObject({ from: '2026-10-31T16:00:00.000Z', to: h.clock.now().toISOString() });
    expect(month['total']).toMatchObject({ humanHelped: 3, pushed: 1 });
  });

  it('answers 400 for a bad or inverted range', async () => {
    const token = await h.deskToken(supervisor.id);
    for (const query of [
      '?from=yesterday',
      '?from=2026-12-01&to=2026-11-01',
      '?from=2020-01-01&to=2026-01-01',
    ]) {
      const res = await get(query, token);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('exposes the rate and counts as gauges in /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/bangban_hotline12345_dispatch_rate\{item="all",period="day"\} 0\.333/);
    expect(text).toMatch(
      new RegExp(`bangban_hotline12345_dispatch_rate\\{item="${PREP_ITEM}",period="month"\\} 0\\.333`),
    );
    expect(text).toContain(
      'bangban_hotline12345_conversations{item="all",period="month",kind="human_helped"} 3',
    );
    expect(text).toContain('bangban_hotline12345_conversations{item="all",period="month",kind="pushed"} 1');
  });
});
