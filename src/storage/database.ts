import type { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Pool } from 'pg';
import type * as schema from './schema/index.ts';

export type Schema = typeof schema;

/**
 * The drizzle handle repositories use. Both drivers (PGlite and node-postgres) produce a
 * `PgDatabase` over the same schema; only the raw result type differs, so code written against
 * this type runs on both. A transaction (`db.transaction(async (tx) => …)`) is also a `Db`.
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** pino-compatible; anything with these methods works (tests pass a silent one). */
export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: StorageLogger & { error(obj: object, msg?: string): void } = {
  info() {},
  warn() {},
  error() {},
};

interface DatabaseCommon {
  db: Db;
  /** For messages: the PGlite folder, or the server URL without its password. */
  location: string;
  /** Resolves when `select 1` answers; throws AppError('storage_unavailable') otherwise. */
  healthCheck(): Promise<void>;
  /**
   * Calls `onPayload` for each NOTIFY on `channel` (from this or any other connection). On a
   * server this uses one dedicated connection that reconnects by itself; on PGlite it is in-process.
   * Resolves to an unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** NOTIFY outside any transaction; inside one use `notifyIn(tx, …)` so it fires on commit. */
  notify(channel: string, payload: string): Promise<void>;
  /** Closes every connection (and releases the PGlite folder lock). Safe to call twice. */
  close(): Promise<void>;
}

export type Database =
  (DatabaseCommon & { kind: 'pglite'; pglite: PGlite }) | (DatabaseCommon & { kind: 'postgres'; pool: Pool });

/**
 * A raw statement run often outside transactions. On a PostgreSQL server it goes as a named
 * prepared statement, parsed and planned once per connection instead of once per call; on PGlite
 * it is a plain parameterised query. It uses the driver's own client, bypassing drizzle, so `db`
 * must be the database handle, not a transaction.
 */
export function namedStatement<T>(db: Db, name: string, text: string): (values: unknown[]) => Promise<T[]> {
  const client = (db as unknown as { $client?: DriverClient }).$client;
  if (!client || typeof client.query !== 'function')
    throw new Error(`namedStatement '${name}' needs a database handle, not a transaction`);
  // node-postgres pools count their clients; PGlite has no such field.
  if ('totalCount' in client) return async (values) => (await client.query<T>({ name, text, values })).rows;
  return async (values) => (await client.query<T>(text, values)).rows;
}

interface DriverClient {
  query<T>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
  query<T>(text: string, values: unknown[]): Promise<{ rows: T[] }>;
}

/** Rows of a raw query on either driver (both return `{ rows }`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

/**
 * The PostgreSQL SQLSTATE of a failed query (e.g. '23505' unique violation), on either driver.
 * drizzle wraps driver errors (DrizzleQueryError), so the code sits on a `cause`.
 */
export function pgErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return pgErrorCode(error) === '23505';
}
