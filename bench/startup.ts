/**
 * P8 startup: time from spawning `bangban start` to the first `/healthz` 200, on a new data folder
 * (PGlite runs initdb) and then on the same, existing folder (the target: ≤ 3 s warm).
 * Usage: npm run bench -- startup [--runs 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/reliability/helpers/server-process.ts';

const TARGET_WARM_MS = 3000;
const repoRoot = path.resolve(import.meta.dirname, '..');

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts the server once against dataDir and returns milliseconds until /healthz answered 200. */
async function timeToHealthy(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/bangban.js', 'start'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`no /healthz 200 within 60 s:\n${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await stop(child);
  }
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(values.runs) || 3);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-bench-startup-'));
try {
  const cold = await timeToHealthy(dataDir);
  console.log(`new data folder:      ${cold.toFixed(0)} ms`);
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    warm.push(await timeToHealthy(dataDir));
    console.log(`existing data folder: ${warm.at(-1)!.toFixed(0)} ms`);
  }
  warm.sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)]!;
  const ok = median <= TARGET_WARM_MS;
  console.log(
    `P8 startup warm-median=${median.toFixed(0)}ms cold=${cold.toFixed(0)}ms runs=${runs} db=pglite (target warm<=${TARGET_WARM_MS}ms) ${ok ? 'OK' : 'MISS'}`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
