import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.ts';
import { defaultRaw } from './fixtures.ts';

const settings = (env: NodeJS.ProcessEnv) =>
  parseConfig(defaultRaw(), env, 'config/default.yaml', { cwd: '/srv/bangban' }).server;

describe('server settings from the environment', () => {
  it('uses the file when the environment is silent', () => {
    expect(settings({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/bangban/data',
      logLevel: 'info',
    });
  });

  it('lets PORT, HOST, DATA_DIR, DATABASE_URL and LOG_LEVEL win over the file', () => {
    expect(
      settings({
        PORT: '8080',
        HOST: '0.0.0.0',
        DATA_DIR: '/var/lib/bangban',
        DATABASE_URL: 'postgres://bangban@db:5432/bangban',
        LOG_LEVEL: 'debug',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/bangban',
      databaseUrl: 'postgres://bangban@db:5432/bangban',
      logLevel: 'debug',
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(settings({ DATA_DIR: 'var/data' }).dataDir).toBe('/srv/bangban/var/data');
  });

  it('treats empty variables as unset', () => {
    expect(settings({ PORT: '', HOST: ' ', DATABASE_URL: '' })).toEqual(settings({}));
  });

  it('reports bad variables by name and never echoes a database URL', () => {
    const secretish = 'mysql://root:hunter2@db/x';
    expect(() => settings({ PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: secretish })).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringMatching(
          /environment: PORT: expected a port number 0–65535, got '70000'\n.*environment: LOG_LEVEL: expected one of .*, got 'loud'\n.*environment: DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL$/s,
        ),
      }),
    );
    expect(() => settings({ DATABASE_URL: secretish })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hunter2') }),
    );
  });
});
