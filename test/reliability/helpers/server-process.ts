/**
 * The real server as a child process (`node bin/bangban.js start --demo --config <file>`), for
 * tests that must kill it for real (kill -9) and start it again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** A port free right now on 127.0.0.1 (kept for the restart, so clients keep their URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Writes config/default.yaml with `sla` overrides (merged one level deep into sla and
 * sla.escalation) and, when `capacity` is given, that capacity for everyone (personal and item
 * limits dropped) to `dir/config.yaml`; returns the file path.
 */
export function writeServerConfig(
  dir: string,
  options: { sla?: Record<string, unknown>; escalation?: Record<string, unknown>; capacity?: number },
): string {
  const raw = YAML.parse(readFileSync(path.join(repoRoot, 'config', 'default.yaml'), 'utf8')) as {
    sla: Record<string, unknown>;
    items: Array<Record<string, unknown>>;
    staff: Array<Record<string, unknown>>;
  };
  raw.sla = { ...raw.sla, ...options.sla };
  if (options.escalation) {
    raw.sla.escalation = { ...(raw.sla.escalation as Record<string, unknown>), ...options.escalation };
  }
  if (options.capacity !== undefined) {
    raw.sla.maxOpenPerHelper = options.capacity;
    for (const item of raw.items) delete item.capacity;
    for (const person of raw.staff) delete person.capacity;
  }
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, YAML.stringify(raw));
  return file;
}

export interface ServerProcessOptions {
  configFile: string;
  dataDir: string;
  port: number;
  /** PostgreSQL URL; empty or absent = embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** How long to wait for /healthz (first start on a new PGlite folder runs initdb). */
  startTimeoutMs?: number;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the server wrote to stderr so far (warnings and errors; for failure messages). */
  stderr(): string;
  /** kill -9, and wait until the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after `timeoutMs`; resolves with the exit code or signal. */
  stop(timeoutMs?: number): Promise<number | string | null>;
}

/** Starts the server and resolves once /healthz answers 200. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['bin/bangban.js', 'start', '--demo', '--config', options.configFile],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        DATA_DIR: options.dataDir,
        DATABASE_URL: options.databaseUrl ?? '',
        LOG_LEVEL: 'warn',
        BANGBAN_CONFIG: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const server: ServerProcess = {
    url,
    child,
    stderr: () => stderr,
    async crash() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${stderr}`,
      );
    }
    if (Date.now() > deadline) {
      await server.crash();
      throw new Error(`no /healthz 200 within ${options.startTimeoutMs ?? 60_000} ms:\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
