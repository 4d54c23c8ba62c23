import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.ts';
import { STAFF_ROLES } from '../../src/config/index.ts';
import { createDeskAuth, type DeskAuth } from '../../src/desk/desk-auth.ts';
import { createDeskGateway, createDeskHub, type DeskHub } from '../../src/desk/desk-hub.ts';
import { createDeskRouter, type DeskLimits } from '../../src/desk/desk-router.ts';
import type { MediaResolver } from '../../src/desk/media-response.ts';
import type { ChannelGateway } from '../../src/ports.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { FakeFlows, seedStaff } from '../fakes/fake-flows.ts';
import { captureLogger, startTestApp, type TestApp } from '../http/test-app.ts';

/** Every staff role, as the config defines them. */
export const ROLES = STAFF_ROLES;
export type Role = (typeof ROLES)[number];

export interface DeskHarness {
  t: TestApp;
  flows: FakeFlows;
  auth: DeskAuth;
  hub: DeskHub;
  gateway: Pick<ChannelGateway, 'notifyStaff'>;
  clock: ManualClock;
  /** A bearer session token for a staff member (created if needed with the given roles). */
  sessionFor(staffId: string): Promise<string>;
  /** fetch with `Authorization: Bearer` for `staffId` (or no auth when null). */
  api(
    staffId: string | null,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** A queued, unassigned webchat conversation (claimable by anyone in the fake). */
  queuedConversation(): Promise<string>;
  assignedConversation(staffId: string): Promise<string>;
  close(): Promise<void>;
}

/** One staff member per role (`r-helper`, `r-admin` …) plus `helper-2` and an inactive `gone`. */
export async function startDesk(
  database: TestDatabase,
  options: { demo?: boolean; limits?: Partial<DeskLimits>; resolveMedia?: MediaResolver } = {},
): Promise<DeskHarness> {
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  const { logger } = captureLogger();
  await seedStaff(database.db, [
    ...ROLES.map((role) => ({ id: `r-${role}`, name: `角色 ${role}`, roles: [role] })),
    { id: 'helper-2', name: '李娜', roles: ['helper'] },
    { id: 'gone', name: '已离职', roles: ['helper'], active: false },
  ]);
  const hub = createDeskHub({ database, logger });
  await hub.start();
  const flows = new FakeFlows({ db: database.db });
  const auth = createDeskAuth({ database, clock, loginSecret: randomBytes(32) });
  const router = createDeskRouter({
    database,
    flows,
    auth,
    hub,
    clock,
    demo: options.demo,
    resolveMedia: options.resolveMedia,
    limits: { heartbeatMs: 200, ...options.limits },
  });
  const t = await startTestApp({ routers: [router], shutdownTimeoutMs: 500 });
  const sessions = new Map<string, string>();
  let citizen = 0;
  const newConversation = async (): Promise<string> => {
    citizen += 1;
    return flows.openConversation('webchat', `citizen-${randomBytes(4).toString('hex')}-${citizen}`);
  };
  const harness: DeskHarness = {
    t,
    flows,
    auth,
    hub,
    gateway: createDeskGateway({ hub }),
    clock,
    async sessionFor(staffId) {
      let token = sessions.get(staffId);
      if (!token) {
        const session = await auth.startSession(staffId);
        if (!session) throw new Error(`no active staff ${staffId}`);
        token = session.token;
        sessions.set(staffId, token);
      }
      return token;
    },
    async api(staffId, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (staffId) headers['Authorization'] = `Bearer ${await harness.sessionFor(staffId)}`;
      if (init.body !== undefined) headers['Content-Type'] ??= 'application/json';
      return fetch(`${t.url}${path}`, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    },
    async queuedConversation() {
      const id = await newConversation();
      await flows.setState(id, 'queued', null, new Date(clock.now().getTime() + 60_000));
      return id;
    },
    async assignedConversation(staffId) {
      const id = await newConversation();
      await flows.setState(id, 'assigned', staffId, new Date(clock.now().getTime() + 60_000));
      return id;
    },
    async close() {
      await hub.close();
      await t.close();
    },
  };
  return harness;
}

export async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  return (
    (await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }
  ).error;
}
