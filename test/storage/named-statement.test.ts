import { describe, expect, it } from 'vitest';
import { namedStatement } from '../../src/storage/database.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe.each(backends)('namedStatement on %s', (backend) => {
  const test = useTestDatabase(backend);

  it('runs with array parameters, twice with the same name', async () => {
    const sum = namedStatement<{ total: number }>(
      test.database.db,
      'test_sum',
      'select sum(x)::int as total from unnest($1::int[]) as x',
    );
    expect(await sum([[1, 2, 3]])).toEqual([{ total: 6 }]);
    expect(await sum([[10, 20]])).toEqual([{ total: 30 }]);
  });

  it.skipIf(backend !== 'postgres')('is prepared on the server under its name', async () => {
    const seen = namedStatement<{ name: string }>(
      test.database.db,
      'test_prepared_names',
      'select name from pg_prepared_statements order by name',
    );
    // The session that runs it lists it (an unnamed statement would not be listed).
    expect((await seen([])).map((row) => row.name)).toContain('test_prepared_names');
  });

  it('refuses a transaction handle (it needs the driver client)', async () => {
    await test.database.db.transaction(async (tx) => {
      expect(() => namedStatement(tx, 'test_tx', 'select 1')).toThrow(/not a transaction/);
    });
  });
});
