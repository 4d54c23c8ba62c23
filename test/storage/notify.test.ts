import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.ts';
import { batchedNotify } from '../../src/storage/notify.ts';

describe('batchedNotify', () => {
  it('sends the notifications of one event-loop turn as one statement, the next turn as another', async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const dialect = new PgDialect();
    const db = {
      execute: async (query: SQL) => {
        statements.push(dialect.sqlToQuery(query));
        return { rows: [] };
      },
    } as unknown as Db;
    const notify = batchedNotify(db);
    await Promise.all([notify('ch', 'a'), notify('ch', 'b'), notify('other', 'c')]);
    await notify('ch', 'd');
    expect(statements).toHaveLength(2);
    expect(statements[0]!.sql).toBe('select pg_notify($1, $2), pg_notify($3, $4), pg_notify($5, $6)');
    expect(statements[0]!.params).toEqual(['ch', 'a', 'ch', 'b', 'other', 'c']);
    expect(statements[1]!.params).toEqual(['ch', 'd']);
  });

  it('fails every call of a batch whose statement failed', async () => {
    const db = { execute: async () => Promise.reject(new Error('connection lost')) } as unknown as Db;
    const notify = batchedNotify(db);
    const results = await Promise.allSettled([notify('ch', 'a'), notify('ch', 'b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
