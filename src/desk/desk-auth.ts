import { and, eq, gt, lt } from 'drizzle-orm';
import type { Clock } from '../ports.ts';
import { isUniqueViolation, type Database } from '../storage/database.ts';
import { staffCredentials, staffTokens } from '../storage/schema/access.ts';
import { staff } from '../storage/schema/organisation.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { checkLoginToken, createLoginToken } from './login-token.ts';
import { hashToken, newSecretToken } from './secret-token.ts';
import { findStaff, toDeskStaff, type DeskStaff } from './staff-directory.ts';

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const DEFAULT_LOGIN_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** A signed-in desk session; `token` is shown once (cookie and bearer), only its hash is stored. */
export interface DeskSession {
  token: string;
  expiresAt: Date;
  staff: DeskStaff;
}

export interface Authenticated {
  staff: DeskStaff;
  tokenHash: string;
}

export interface DeskAuthOptions {
  database: Pick<Database, 'db'>;
  clock: Clock;
  /** Signs one-time login tokens (see loadDeskSecret). */
  loginSecret: Buffer;
  sessionTtlMs?: number;
}

export interface DeskAuth {
  /** A one-time login token for `bangban staff token` (and tests). */
  issueLoginToken(staffId: string, ttlMs?: number): string;
  /** Spends a login token; null if it is malformed, forged, expired, used or its staff is inactive. */
  loginWithToken(token: string): Promise<DeskSession | null>;
  loginWithPassword(staffId: string, password: string): Promise<DeskSession | null>;
  /** A session without a credential: demo one-click login only. */
  startSession(staffId: string): Promise<DeskSession | null>;
  /** The staff member behind a session token, if it is live and they are active. */
  authenticate(token: string): Promise<Authenticated | null>;
  logout(tokenHash: string): Promise<void>;
  setPassword(staffId: string, password: string): Promise<void>;
}

export function createDeskAuth(options: DeskAuthOptions): DeskAuth {
  const { db } = options.database;
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;

  async function startSession(staffId: string): Promise<DeskSession | null> {
    const member = await findStaff(db, staffId);
    if (!member?.active) return null;
    const now = options.clock.now();
    const token = newSecretToken();
    const expiresAt = new Date(now.getTime() + sessionTtlMs);
    // Tidy up while we are here: sessions and spent login tokens long past their expiry.
    await db
      .delete(staffTokens)
      .where(lt(staffTokens.expiresAt, new Date(now.getTime() - DEFAULT_LOGIN_TOKEN_TTL_MS)));
    await db
      .insert(staffTokens)
      .values({ tokenHash: hashToken(token), staffId, kind: 'session', expiresAt, createdAt: now });
    return { token, expiresAt, staff: member };
  }

  return {
    issueLoginToken(staffId, ttlMs = DEFAULT_LOGIN_TOKEN_TTL_MS) {
      const expiresAt = new Date(options.clock.now().getTime() + ttlMs);
      return createLoginToken({ staffId, expiresAt }, options.loginSecret);
    },

    async loginWithToken(token) {
      const now = options.clock.now();
      const check = checkLoginToken(token, options.loginSecret, now);
      if (!check.ok) return null;
      const member = await findStaff(db, check.claims.staffId);
      if (!member?.active) return null;
      try {
        // The primary key on token_hash makes the token single-use, also across instances.
        await db.insert(staffTokens).values({
          tokenHash: hashToken(token),
          staffId: member.id,
          kind: 'login',
          expiresAt: check.claims.expiresAt,
          usedAt: now,
          createdAt: now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
      return startSession(member.id);
    },

    async loginWithPassword(staffId, password) {
      const rows = await db
        .select({ hash: staffCredentials.passwordHash })
        .from(staffCredentials)
        .where(eq(staffCredentials.staffId, staffId))
        .limit(1);
      const stored = rows[0]?.hash;
      // Unknown staff cost the same scrypt run as known ones, so timing does not reveal ids.
      const matches = await verifyPassword(password, stored ?? DUMMY_HASH);
      if (!stored || !matches) return null;
      return startSession(staffId);
    },

    startSession,

    async authenticate(token) {
      const tokenHash = hashToken(token);
      const rows = await db
        .select({ member: staff })
        .from(staffTokens)
        .innerJoin(staff, eq(staff.id, staffTokens.staffId))
        .where(
          and(
            eq(staffTokens.tokenHash, tokenHash),
            eq(staffTokens.kind, 'session'),
            gt(staffTokens.expiresAt, options.clock.now()),
          ),
        )
        .limit(1);
      const row = rows[0];
      if (!row?.member.active) return null;
      return { staff: toDeskStaff(row.member), tokenHash };
    },

    async logout(tokenHash) {
      await db
        .delete(staffTokens)
        .where(and(eq(staffTokens.tokenHash, tokenHash), eq(staffTokens.kind, 'session')));
    },

    async setPassword(staffId, password) {
      const passwordHash = await hashPassword(password);
      const updatedAt = options.clock.now();
      await db
        .insert(staffCredentials)
        .values({ staffId, passwordHash, updatedAt })
        .onConflictDoUpdate({ target: staffCredentials.staffId, set: { passwordHash, updatedAt } });
    },
  };
}

// A valid hash of a random password nobody knows (same cost parameters as real ones).
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + Buffer.alloc(64, 7).toString('base64');
