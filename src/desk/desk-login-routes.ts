import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import type { Clock } from '../ports.ts';
import { requireContentType } from '../http/require-content-type.ts';
import type { DeskAuth, DeskSession } from './desk-auth.ts';
import type { DeskState } from './desk-state.ts';
import { PASSWORD_MAX_LENGTH } from './password-hash.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { DESK_COOKIE, requireStaff } from './require-staff.ts';

export interface LoginLimits {
  /** Failed logins per client address per window (default 20). */
  failuresPerIp: number;
  /** Failed logins per staff id per window (default 5): slows guessing one person's password. */
  failuresPerStaff: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  failuresPerIp: 20,
  failuresPerStaff: 5,
  windowMs: 15 * 60 * 1000,
};

const loginBody = z.union([
  z.object({ token: z.string().min(1).max(1024) }),
  z.object({ staffId: z.string().min(1).max(100), password: z.string().min(1).max(PASSWORD_MAX_LENGTH) }),
]);
const demoBody = z.object({ staffId: z.string().min(1).max(100) });

/** POST /api/desk/login, /logout and (demo only) /demo-login. */
export function addLoginRoutes(
  router: Router<DeskState>,
  options: { auth: DeskAuth; clock: Clock; demo: boolean; limits?: Partial<LoginLimits> },
): void {
  const limits = { ...DEFAULT_LOGIN_LIMITS, ...options.limits };
  const byIp = createRateLimiter({
    limit: limits.failuresPerIp,
    windowMs: limits.windowMs,
    clock: options.clock,
  });
  const byStaff = createRateLimiter({
    limit: limits.failuresPerStaff,
    windowMs: limits.windowMs,
    clock: options.clock,
  });

  router.post('/api/desk/login', requireContentType('json'), async (ctx) => {
    const body = loginBody.parse(ctx.request.body);
    const staffKey = 'staffId' in body ? body.staffId : undefined;
    refuseWhenLimited(ctx, byIp, `ip:${ctx.ip}`);
    if (staffKey !== undefined) refuseWhenLimited(ctx, byStaff, staffKey);
    const session =
      'token' in body
        ? await options.auth.loginWithToken(body.token)
        : await options.auth.loginWithPassword(body.staffId, body.password);
    if (!session) {
      byIp.consume(`ip:${ctx.ip}`);
      if (staffKey !== undefined) byStaff.consume(staffKey);
      ctx.state.log.info({ via: 'token' in body ? 'token' : 'password' }, 'desk login refused');
      throw new AppError(
        'unauthorized',
        'token' in body
          ? 'This login link is invalid, expired or already used; ask for a new one (bangban staff token <id>)'
          : 'Wrong staff id or password',
      );
    }
    if (staffKey !== undefined) byStaff.reset(staffKey);
    signIn(ctx, session);
  });

  if (options.demo) {
    // Demo only: one-click login from the start page. Never registered unless the demo flag is set.
    router.post('/api/desk/demo-login', requireContentType('json'), async (ctx) => {
      const { staffId } = demoBody.parse(ctx.request.body);
      const session = await options.auth.startSession(staffId);
      if (!session) throw new AppError('not_found', `No active staff member '${staffId}'`);
      signIn(ctx, session);
    });
  }

  router.post('/api/desk/logout', requireStaff(options.auth), async (ctx) => {
    await options.auth.logout(ctx.state.sessionTokenHash);
    ctx.cookies.set(DESK_COOKIE, '', {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: 0,
      overwrite: true,
    });
    ctx.status = 204;
  });
}

function refuseWhenLimited(ctx: Context, limiter: RateLimiter, key: string): void {
  const decision = limiter.peek(key);
  if (decision.allowed) return;
  ctx.set('Retry-After', String(decision.retryAfterSeconds));
  throw new AppError('rate_limited', `Too many failed logins; try again in ${decision.retryAfterSeconds} s`, {
    details: { retryAfterSeconds: decision.retryAfterSeconds },
  });
}

function signIn(ctx: Context, session: DeskSession): void {
  ctx.cookies.set(DESK_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    expires: session.expiresAt,
    secure: ctx.secure,
    overwrite: true,
  });
  ctx.set('Cache-Control', 'no-store');
  ctx.body = {
    staff: publicStaff(session.staff),
    token: session.token,
    expiresAt: session.expiresAt.toISOString(),
  };
}

export function publicStaff(staff: DeskSession['staff']): {
  id: string;
  name: string;
  departmentId: string | null;
  roles: string[];
} {
  return { id: staff.id, name: staff.name, departmentId: staff.departmentId, roles: [...staff.roles] };
}
