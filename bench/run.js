#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts with tsx; each bench prints its own summary line.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || !available.includes(name)) {
  const out = name && name !== '--help' ? process.stderr : process.stdout;
  if (name && name !== '--help') out.write(`bench: unknown benchmark '${name}'\n`);
  out.write(`Usage: npm run bench -- <name>\nBenchmarks: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(name && name !== '--help' ? 2 : 0);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
