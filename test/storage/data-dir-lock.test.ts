import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../src/storage/data-dir-lock.ts';

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('acquireDataDirLock', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bangban-lock-'));
    lockPath = path.join(dir, 'pg.lock');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes our pid and removes the file on release', async () => {
    const lock = await acquireDataDirLock(lockPath, './data/pg');
    expect((await readFile(lockPath, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses a folder another live process holds, naming the folder and the pid', async () => {
    await writeFile(lockPath, `${process.ppid}\n`);
    await expect(acquireDataDirLock(lockPath, './data/pg')).rejects.toMatchObject({
      code: 'storage_unavailable',
      message: expect.stringContaining(`data folder ./data/pg is in use by process ${process.ppid}`),
    });
    expect((await readFile(lockPath, 'utf8')).trim()).toBe(String(process.ppid));
  });

  it('refuses a second open inside the same process', async () => {
    const lock = await acquireDataDirLock(lockPath, './data/pg');
    await expect(acquireDataDirLock(lockPath, './data/pg')).rejects.toThrow('already open in this process');
    await lock.release();
  });

  it('replaces a lock left by a dead process', async () => {
    await writeFile(lockPath, `${deadPid()}\n`);
    const lock = await acquireDataDirLock(lockPath, './data/pg');
    expect((await readFile(lockPath, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('replaces a lock with our own pid left by an earlier run (container restart)', async () => {
    await writeFile(lockPath, `${process.pid}\n`);
    const lock = await acquireDataDirLock(lockPath, './data/pg');
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('treats a lock file without a pid as stale', async () => {
    await writeFile(lockPath, 'garbage');
    const lock = await acquireDataDirLock(lockPath, './data/pg');
    expect((await readFile(lockPath, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
