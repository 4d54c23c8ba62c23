import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './config/fixtures.ts';

/** The import rules of ARCHITECTURE.md §3, checked by dependency-cruiser as in `npm run lint`. */
function cruise(...paths: string[]) {
  return spawnSync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      ...paths,
      '--config',
      '.dependency-cruiser.cjs',
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
}

describe('architecture rules', () => {
  it('src and adapters follow the import rules', () => {
    const result = cruise('src', 'adapters');
    expect(result.stdout + result.stderr).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });

  it('a core module importing storage or node:fs is reported', () => {
    const dir = mkdtempSync(path.join(repoRoot, 'src/core/.probe-'));
    try {
      writeFileSync(
        path.join(dir, 'probe.ts'),
        "import fs from 'node:fs';\nimport { migrate } from '../../storage/migrate.ts';\nexport const probe = [fs, migrate];\n",
      );
      const result = cruise(path.relative(repoRoot, dir));
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain('core-no-io');
      expect(result.stdout).toContain('core-no-node-io-builtins');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
