import { sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { expect } from 'vitest';
import type { Db } from '../../src/storage/database.ts';

/** Waits (up to 15 s) until `count(*)` of `table` rows matching `where` reaches `expected`. */
export async function expectRowCountEventually(
  db: Db,
  table: PgTable,
  where: SQL,
  expected: number,
): Promise<void> {
  await expect
    .poll(
      async () =>
        (
          await db
            .select({ n: sql<number>`count(*)::int` })
            .from(table)
            .where(where)
        )[0]?.n,
      { timeout: 15_000, interval: 100 },
    )
    .toBe(expected);
}
