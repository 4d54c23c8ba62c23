import type { Middleware } from 'koa';
import type { StaffRole } from '../config/config-types.ts';
import { AppError } from '../core/errors.ts';
import type { DeskAuth } from './desk-auth.ts';
import { hasAnyRole } from './desk-roles.ts';
import type { DeskState } from './desk-state.ts';
import { bearerToken } from './secret-token.ts';

export const DESK_COOKIE = 'bangban_desk';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates a desk request by `Authorization: Bearer` or the session cookie and puts the staff
 * member on `ctx.state.staff`; 401 otherwise. Cookie-authenticated writes must come from our own
 * origin (SameSite=Strict already stops most cross-site requests; this covers old browsers).
 */
export function requireStaff(auth: DeskAuth): Middleware<DeskState> {
  return async (ctx, next) => {
    const fromHeader = bearerToken(ctx.get('Authorization') || undefined);
    const token = fromHeader ?? ctx.cookies.get(DESK_COOKIE);
    if (!token) throw new AppError('unauthorized', 'Sign in to the desk first (no session)');
    if (
      !fromHeader &&
      !SAFE_METHODS.has(ctx.method) &&
      !isSameOrigin(ctx.get('Origin'), `${ctx.protocol}://${ctx.host}`)
    ) {
      throw new AppError('forbidden', 'Cross-site request refused');
    }
    const session = await auth.authenticate(token);
    if (!session)
      throw new AppError('unauthorized', 'The desk session is invalid or has expired; sign in again');
    ctx.state.staff = session.staff;
    ctx.state.sessionTokenHash = session.tokenHash;
    await next();
  };
}

// Koa 3's ctx.origin is the request's Origin header, so our own origin is built from protocol and host.
function isSameOrigin(origin: string, ours: string): boolean {
  return origin === '' || origin === ours;
}

/** 403 unless the signed-in staff member has one of `roles`. Use after `requireStaff`. */
export function requireRole(...roles: readonly StaffRole[]): Middleware<DeskState> {
  return async (ctx, next) => {
    if (!hasAnyRole(ctx.state.staff.roles, roles)) {
      throw new AppError('forbidden', `This needs one of the roles: ${roles.join(', ')}`, {
        details: { required: roles },
      });
    }
    await next();
  };
}
