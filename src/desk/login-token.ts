import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from './secret-token.ts';

/**
 * One-time desk login tokens, signed rather than stored: `bangban staff token <id>` can then print
 * one while the server holds the embedded database open (PGlite allows one process per folder).
 * The server records each token's hash in `staff_tokens` when it is spent, which makes it one-time.
 */
export interface LoginTokenClaims {
  staffId: string;
  expiresAt: Date;
}

const PREFIX = 'bl1';
const CONTEXT = 'bangban-desk-login-v1';

export function createLoginToken(claims: LoginTokenClaims, secret: Buffer): string {
  const payload = Buffer.from(
    JSON.stringify({
      s: claims.staffId,
      e: Math.floor(claims.expiresAt.getTime() / 1000),
      n: randomBytes(12).toString('base64url'),
    }),
  ).toString('base64url');
  return `${PREFIX}.${payload}.${sign(payload, secret)}`;
}

export type LoginTokenCheck =
  { ok: true; claims: LoginTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Checks format, signature and expiry; spending the token is the caller's job. */
export function checkLoginToken(token: string, secret: Buffer, now: Date): LoginTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2])
    return { ok: false, reason: 'malformed' };
  if (!safeEqual(parts[2], sign(parts[1], secret))) return { ok: false, reason: 'bad_signature' };
  let body: { s?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { s?: unknown; e?: unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof body.s !== 'string' || typeof body.e !== 'number') return { ok: false, reason: 'malformed' };
  const expiresAt = new Date(body.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { staffId: body.s, expiresAt } };
}

function sign(payload: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(`${CONTEXT}.${payload}`).digest('base64url');
}
