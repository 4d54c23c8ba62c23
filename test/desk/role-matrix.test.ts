import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.ts';
import { ROLES, startDesk, type DeskHarness, type Role } from './desk-harness.ts';

/**
 * Every desk route × every role × no session (TARGETS.md R5). The allowed roles are written out
 * here rather than read from DESK_ROLES, so a change to the code's table shows up as a failure.
 */
interface RouteCase {
  route: string;
  allowed: readonly Role[] | 'all';
  /** Performs the request as `staffId` (null = no session) and returns the status. */
  call(h: DeskHarness, staffId: string | null): Promise<number>;
}

const READ: Role[] = ['helper', 'backup', 'expert', 'tech', 'supervisor', 'leader', 'admin'];
const ACT: Role[] = ['helper', 'backup', 'expert', 'tech', 'supervisor', 'admin'];

async function status(res: Response): Promise<number> {
  await res.body?.cancel();
  return res.status;
}

const cases: RouteCase[] = [
  { route: 'GET /api/desk/me', allowed: 'all', call: async (h, s) => status(await h.api(s, '/api/desk/me')) },
  {
    route: 'GET /api/desk/staff',
    allowed: ACT,
    call: async (h, s) => status(await h.api(s, '/api/desk/staff')),
  },
  {
    route: 'GET /api/desk/conversations',
    allowed: READ,
    call: async (h, s) => status(await h.api(s, '/api/desk/conversations')),
  },
  {
    route: 'GET /api/desk/conversations?all=1',
    allowed: ['supervisor', 'leader', 'admin'],
    call: async (h, s) => status(await h.api(s, '/api/desk/conversations?all=1')),
  },
  {
    route: 'GET /api/desk/conversations/:id (waiting)',
    allowed: READ,
    call: async (h, s) => status(await h.api(s, `/api/desk/conversations/${await h.queuedConversation()}`)),
  },
  {
    route: 'GET /api/desk/conversations/:id (someone else’s)',
    allowed: ['expert', 'tech', 'supervisor', 'leader', 'admin'],
    call: async (h, s) =>
      status(await h.api(s, `/api/desk/conversations/${await h.assignedConversation('helper-2')}`)),
  },
  {
    route: 'GET /api/desk/conversations/:id/messages',
    allowed: READ,
    call: async (h, s) =>
      status(await h.api(s, `/api/desk/conversations/${await h.queuedConversation()}/messages?after=0`)),
  },
  {
    route: 'POST /api/desk/conversations/:id/claim',
    allowed: ['helper', 'backup', 'supervisor', 'admin'],
    call: async (h, s) =>
      status(
        await h.api(s, `/api/desk/conversations/${await h.queuedConversation()}/claim`, { method: 'POST' }),
      ),
  },
  {
    route: 'POST /api/desk/conversations/:id/messages',
    allowed: ACT,
    call: async (h, s) =>
      status(
        await h.api(s, `/api/desk/conversations/${await h.assignedConversation(s ?? 'helper-2')}/messages`, {
          method: 'POST',
          body: { text: '您好，我来帮您' },
        }),
      ),
  },
  {
    route: 'POST /api/desk/commands',
    allowed: ACT,
    call: async (h, s) =>
      status(await h.api(s, '/api/desk/commands', { method: 'POST', body: { text: '/list' } })),
  },
  {
    route: 'GET /api/desk/events',
    allowed: READ,
    call: async (h, s) => status(await h.api(s, '/api/desk/events')),
  },
  {
    route: 'GET /api/desk/media',
    allowed: READ,
    call: async (h, s) => status(await h.api(s, '/api/desk/media?ref=test:1')),
  },
  {
    route: 'POST /api/desk/logout',
    allowed: 'all',
    call: async (h, s) => status(await h.api(s, '/api/desk/logout', { method: 'POST' })),
  },
];

describe('desk role matrix', () => {
  const test = useTestDatabase('pglite');
  let h: DeskHarness;
  beforeAll(async () => {
    h = await startDesk(test.database, {
      resolveMedia: async (ref) =>
        ref === 'test:1' ? { contentType: 'image/png', body: Buffer.from([1, 2, 3]) } : null,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('allows exactly the listed roles on every route, and nobody without a session', async () => {
    const outcomes: string[] = [];
    const unauthorisedSuccesses: string[] = [];
    for (const c of cases) {
      const anonymous = await c.call(h, null);
      outcomes.push(`${c.route} anonymous → ${anonymous}`);
      if (anonymous < 400) unauthorisedSuccesses.push(`${c.route} anonymous`);
      for (const role of ROLES) {
        const got = await c.call(h, `r-${role}`);
        const allowed = c.allowed === 'all' || c.allowed.includes(role);
        outcomes.push(`${c.route} ${role} → ${got}`);
        if (!allowed && got < 400) unauthorisedSuccesses.push(`${c.route} ${role}`);
      }
      // logout ends the sessions used above; start fresh ones for the next route.
      if (c.route.includes('logout')) break;
    }
    const expected = cases.flatMap((c) => [
      `${c.route} anonymous → 401`,
      ...ROLES.map((role) => {
        const allowed = c.allowed === 'all' || c.allowed.includes(role);
        const success = c.route.startsWith('POST /api/desk/conversations/:id/messages')
          ? 201
          : c.route.includes('logout')
            ? 204
            : 200;
        return `${c.route} ${role} → ${allowed ? success : 403}`;
      }),
    ]);
    expect(unauthorisedSuccesses).toEqual([]);
    expect(outcomes).toEqual(expected);
  });

  it('refuses an inactive staff member’s session even when it was issued', async () => {
    expect(await h.auth.startSession('gone')).toBeNull();
  });
});
