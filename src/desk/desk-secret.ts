import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';

/** Environment variable that carries the login-token key when instances share no data folder. */
export const DESK_SECRET_ENV = 'BANGBAN_DESK_SECRET';
export const DESK_SECRET_FILE = 'desk-login.key';

/**
 * The key that signs one-time desk login tokens: BANGBAN_DESK_SECRET (at least 32 characters), or
 * `<dataDir>/desk-login.key`, created with 32 random bytes on first use (mode 0600). The server
 * and `bangban staff token` read the same one.
 */
export async function loadDeskSecret(options: { env: NodeJS.ProcessEnv; dataDir: string }): Promise<Buffer> {
  const fromEnv = options.env[DESK_SECRET_ENV]?.trim();
  if (fromEnv) {
    if (fromEnv.length < 32) {
      throw new AppError('config_invalid', `${DESK_SECRET_ENV} must have at least 32 characters`);
    }
    return Buffer.from(fromEnv, 'utf8');
  }
  const file = path.join(options.dataDir, DESK_SECRET_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(options.dataDir, { recursive: true });
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // Another process created it at the same moment: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const created = await readKey(file);
  if (!created)
    throw new AppError('config_invalid', `${file} does not hold a usable key; delete it to make a new one`);
  return created;
}

async function readKey(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = text.trim();
  return key.length >= 32 ? Buffer.from(key, 'utf8') : undefined;
}
