import { open, readFile, rename, unlink } from 'node:fs/promises';
import { AppError } from '../core/errors.ts';

/** Lock files this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * Takes `lockPath` (created exclusively, holding our pid) or explains who holds it. PGlite lets
 * two processes open one folder and corrupt it (STACK.md), so this is the only guard. A lock left
 * by a dead process is removed; after a container restart our own pid may be in a stale lock,
 * which is why locks held by this process are tracked in memory rather than by pid alone.
 */
export async function acquireDataDirLock(lockPath: string, folderLabel: string): Promise<DataDirLock> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (await tryCreate(lockPath)) {
      heldHere.add(lockPath);
      return { release: () => release(lockPath) };
    }
    const holder = await readHolder(lockPath);
    if (holder === 'gone') continue;
    if (heldHere.has(lockPath)) {
      throw new AppError('storage_unavailable', `data folder ${folderLabel} is already open in this process`);
    }
    if (holder !== 'unreadable' && holder !== process.pid && isAlive(holder)) {
      throw new AppError(
        'storage_unavailable',
        `data folder ${folderLabel} is in use by process ${holder} (lock file ${folderLabel}.lock); ` +
          'stop that process, or delete the lock file if that process is not bangban',
        { details: { folder: folderLabel, pid: holder } },
      );
    }
    await breakStaleLock(lockPath);
  }
  throw new AppError(
    'storage_unavailable',
    `could not take the lock file ${folderLabel}.lock (another process keeps changing it)`,
  );
}

async function tryCreate(lockPath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

async function readHolder(lockPath: string): Promise<number | 'gone' | 'unreadable'> {
  // A lock created a moment ago may not hold its pid yet; look again before calling it broken.
  for (let look = 0; look < 3; look += 1) {
    let text: string;
    try {
      text = await readFile(lockPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw error;
    }
    const pid = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(pid) && pid > 0) return pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 'unreadable';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves the stale lock aside (only one racer wins the rename) and deletes it. */
async function breakStaleLock(lockPath: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // Another process may have replaced the stale lock between our read and our rename: put a
  // live lock back instead of stealing it.
  const moved = await readHolder(aside);
  if (typeof moved === 'number' && moved !== process.pid && isAlive(moved)) {
    await rename(aside, lockPath).catch(() => undefined);
    return;
  }
  await unlink(aside).catch(() => undefined);
}

async function release(lockPath: string): Promise<void> {
  if (!heldHere.delete(lockPath)) return;
  const holder = await readHolder(lockPath).catch(() => 'gone' as const);
  if (holder === process.pid) await unlink(lockPath).catch(() => undefined);
}
