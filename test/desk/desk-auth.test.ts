import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from '../helpers/db.ts';
import { errorOf, startDesk, type DeskHarness } from './desk-harness.ts';

describe.each(backends)('desk sign-in on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: DeskHarness;
  beforeAll(async () => {
    h = await startDesk(test.database);
    await h.auth.setPassword('r-helper', 'correct horse battery');
  });
  afterAll(async () => {
    await h.close();
  });

  const login = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.t.url}/api/desk/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  describe('one-time login tokens', () => {
    it('signs in once with an HttpOnly SameSite=Strict cookie and refuses the same token again', async () => {
      const token = h.auth.issueLoginToken('r-supervisor');
      const res = await login({ token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        staff: { id: string; roles: string[] };
        token: string;
        expiresAt: string;
      };
      expect(body.staff).toMatchObject({ id: 'r-supervisor', roles: ['supervisor'] });
      expect(new Date(body.expiresAt).getTime() - h.clock.now().getTime()).toBe(12 * 3600 * 1000);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^bangban_desk=/);
      expect(cookie.toLowerCase()).toContain('httponly');
      expect(cookie.toLowerCase()).toContain('samesite=strict');
      const me = await fetch(`${h.t.url}/api/desk/me`, { headers: { Cookie: cookie.split(';')[0]! } });
      expect(((await me.json()) as { staff: { id: string } }).staff.id).toBe('r-supervisor');

      const again = await login({ token });
      expect(again.status).toBe(401);
      expect((await errorOf(again)).message).toMatch(/already used/);
    });

    it('refuses an expired token', async () => {
      const token = h.auth.issueLoginToken('r-helper', 60_000);
      h.clock.advance(61_000);
      expect((await login({ token })).status).toBe(401);
    });

    it('refuses a token with a changed payload or signature, and one signed with another key', async () => {
      const token = h.auth.issueLoginToken('r-helper');
      const [prefix, payload, signature] = token.split('.') as [string, string, string];
      const forgedPayload = Buffer.from(JSON.stringify({ s: 'r-admin', e: 9_999_999_999, n: 'x' })).toString(
        'base64url',
      );
      for (const bad of [
        `${prefix}.${forgedPayload}.${signature}`,
        `${prefix}.${payload}.${signature.slice(0, -2)}AA`,
        'garbage',
        `bl1..`,
      ]) {
        expect((await login({ token: bad })).status).toBe(401);
      }
    });

    it('refuses a token of an inactive staff member', async () => {
      expect((await login({ token: h.auth.issueLoginToken('gone') })).status).toBe(401);
    });
  });

  describe('passwords', () => {
    it('signs in with the right password and refuses a wrong one or an unknown id with one message', async () => {
      expect((await login({ staffId: 'r-helper', password: 'correct horse battery' })).status).toBe(200);
      const wrong = await login({ staffId: 'r-helper', password: 'wrong password' });
      const unknown = await login({ staffId: 'nobody', password: 'correct horse battery' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect((await errorOf(wrong)).message).toBe((await errorOf(unknown)).message);
    });

    it('refuses a body that is neither a token nor id + password with 400', async () => {
      const res = await login({ staffId: 'r-helper' });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('validation_failed');
    });

    it('blocks a staff id after 5 failed passwords (429 with Retry-After), even with the right one, until the window passes', async () => {
      await h.auth.setPassword('r-backup', 'the right password');
      for (let i = 0; i < 5; i += 1)
        expect((await login({ staffId: 'r-backup', password: `guess ${i}` })).status).toBe(401);
      const blocked = await login({ staffId: 'r-backup', password: 'the right password' });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await errorOf(blocked)).code).toBe('rate_limited');
      h.clock.advance(15 * 60 * 1000);
      expect((await login({ staffId: 'r-backup', password: 'the right password' })).status).toBe(200);
    });
  });

  describe('sessions', () => {
    it('expires after 12 hours', async () => {
      const token = (await h.auth.startSession('r-tech'))!.token;
      const me = () => fetch(`${h.t.url}/api/desk/me`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await me()).status).toBe(200);
      h.clock.advance(12 * 3600 * 1000 + 1);
      expect((await me()).status).toBe(401);
    });

    it('ends on logout', async () => {
      const token = (await h.auth.startSession('r-expert'))!.token;
      const headers = { Authorization: `Bearer ${token}` };
      expect((await fetch(`${h.t.url}/api/desk/logout`, { method: 'POST', headers })).status).toBe(204);
      expect((await fetch(`${h.t.url}/api/desk/me`, { headers })).status).toBe(401);
    });

    it('refuses a cookie-authenticated write from another site', async () => {
      const token = (await h.auth.startSession('r-helper'))!.token;
      const res = await fetch(`${h.t.url}/api/desk/commands`, {
        method: 'POST',
        headers: {
          Cookie: `bangban_desk=${token}`,
          Origin: 'https://evil.example',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ text: '/list' }),
      });
      expect(res.status).toBe(403);
      expect(h.flows.staffInputs.filter((i) => i.staffId === 'r-helper')).toEqual([]);
    });

    it('accepts a cookie-authenticated write from the desk page itself', async () => {
      const token = (await h.auth.startSession('r-helper'))!.token;
      const res = await fetch(`${h.t.url}/api/desk/commands`, {
        method: 'POST',
        headers: { Cookie: `bangban_desk=${token}`, Origin: h.t.url, 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: '/list' }),
      });
      expect(res.status).toBe(200);
    });

    it('has no demo login unless the demo flag is set', async () => {
      const res = await fetch(`${h.t.url}/api/desk/demo-login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ staffId: 'r-admin' }),
      });
      expect(res.status).toBe(404);
    });
  });
});

describe('desk sign-in rate limit per address', () => {
  const test = useTestDatabase('pglite');
  let h: DeskHarness;
  beforeAll(async () => {
    h = await startDesk(test.database, { demo: true, limits: { login: { failuresPerIp: 3 } } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('blocks an address after its failed attempts across staff ids', async () => {
    const attempt = (staffId: string) =>
      fetch(`${h.t.url}/api/desk/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ staffId, password: 'nope nope' }),
      });
    for (const id of ['a', 'b', 'c']) expect((await attempt(id)).status).toBe(401);
    expect((await attempt('d')).status).toBe(429);
  });

  it('signs in with one click in demo mode', async () => {
    const res = await fetch(`${h.t.url}/api/desk/demo-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ staffId: 'r-helper' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^bangban_desk=/);
  });
});
