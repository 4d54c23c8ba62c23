import path from 'node:path';
import { LOG_LEVELS, type ConfigFile } from './config-schema.ts';
import type { ConfigIssue } from './config-issue.ts';
import type { LogLevel, ServerSettings } from './config-types.ts';

const ENV = 'environment';

/** Reads a variable, treating an empty value as unset (so `PORT= npm start` keeps the default). */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The server settings: the file's `server` section with PORT, HOST, DATA_DIR, DATABASE_URL and
 * LOG_LEVEL from the environment winning over it. Bad variables are reported, never ignored.
 */
export function resolveServerSettings(
  file: ConfigFile['server'],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { settings: ServerSettings; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const settings: ServerSettings = {
    port: file.port,
    host: read(env, 'HOST') ?? file.host,
    dataDir: path.resolve(cwd, read(env, 'DATA_DIR') ?? file.dataDir),
    logLevel: file.logLevel,
  };

  const port = read(env, 'PORT');
  if (port !== undefined) {
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) settings.port = Number(port);
    else issues.push({ source: ENV, path: 'PORT', message: `expected a port number 0–65535, got '${port}'` });
  }

  const logLevel = read(env, 'LOG_LEVEL');
  if (logLevel !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(logLevel)) settings.logLevel = logLevel as LogLevel;
    else
      issues.push({
        source: ENV,
        path: 'LOG_LEVEL',
        message: `expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`,
      });
  }

  const databaseUrl = read(env, 'DATABASE_URL');
  if (databaseUrl !== undefined) {
    // The URL may carry a password, so the message never repeats it.
    if (/^postgres(ql)?:\/\/./.test(databaseUrl)) settings.databaseUrl = databaseUrl;
    else
      issues.push({
        source: ENV,
        path: 'DATABASE_URL',
        message: 'expected a postgres:// or postgresql:// URL',
      });
  }
  return { settings, issues };
}
