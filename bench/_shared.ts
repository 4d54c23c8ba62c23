/**
 * Helpers the flow benches share (the `_` prefix keeps this file out of `npm run bench`'s list):
 * which database to use, a bench config derived from config/default.yaml, percentiles, and the
 * summary line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { parseConfig, type Config } from '../src/config/index.ts';
import type { InboundMessage } from '../src/core/inbound.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..');

export interface BenchBackend {
  kind: 'postgres' | 'pglite';
  /** Set for postgres: a database made for this run. */
  databaseUrl?: string;
  /** A fresh temporary data folder (PGlite lives in it; uploads and the desk key on both backends). */
  dataDir: string;
  /** For the summary line: `postgres` or `pglite`. */
  label: string;
  /** Drops the run's database (postgres) and deletes the data folder. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * The PostgreSQL server when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set — a new database
 * `bangban_bench_<random>` on it, dropped by `cleanup()` — else embedded PGlite.
 * `--pglite` on the command line forces PGlite even when a server is configured.
 */
export async function openBenchBackend(
  name: string,
  options: { forcePglite?: boolean } = {},
): Promise<BenchBackend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `bangban-bench-${name}-`));
  const removeDir = (): void => rmSync(dataDir, { recursive: true, force: true });
  const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!serverUrl || options.forcePglite) {
    let done = false;
    return {
      kind: 'pglite',
      dataDir,
      label: 'pglite',
      cleanup: async () => {
        if (done) return;
        done = true;
        removeDir();
      },
    };
  }
  const database = `bangban_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${pg.escapeIdentifier(database)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  let cleaned: Promise<void> | null = null;
  return {
    kind: 'postgres',
    databaseUrl: url.toString(),
    dataDir,
    label: 'postgres',
    cleanup: () => {
      cleaned ??= adminQuery(
        serverUrl,
        `drop database if exists ${pg.escapeIdentifier(database)} with (force)`,
      ).finally(removeDir);
      return cleaned;
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface BenchConfigOptions {
  backend: BenchBackend;
  /** Overrides merged into `sla` (e.g. short reminders for a bench that must end soon). */
  sla?: Record<string, unknown>;
  /**
   * Open conversations one helper may hold. The default config allows 5 (and personal/item limits
   * of 8 and 4); a bench with thousands of open conversations raises it and drops those limits,
   * so every conversation is assigned rather than queued.
   */
  capacity?: number;
  logLevel?: string;
}

/** config/default.yaml with the bench's changes, validated like any config (PORT=0, loopback). */
export function benchConfig(options: BenchConfigOptions): Config {
  const raw = YAML.parse(readFileSync(path.join(repoRoot, 'config', 'default.yaml'), 'utf8')) as {
    sla: Record<string, unknown>;
    items: Array<Record<string, unknown>>;
    staff: Array<Record<string, unknown>>;
  };
  if (options.sla) raw.sla = deepMerge(raw.sla, options.sla);
  if (options.capacity !== undefined) {
    raw.sla.maxOpenPerHelper = options.capacity;
    for (const item of raw.items) delete item.capacity;
    for (const person of raw.staff) delete person.capacity;
  }
  const env: NodeJS.ProcessEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: options.backend.dataDir,
    LOG_LEVEL: options.logLevel ?? 'silent',
    ...(options.backend.databaseUrl ? { DATABASE_URL: options.backend.databaseUrl } : {}),
  };
  return parseConfig(raw, env, 'bench config (config/default.yaml + bench overrides)', { cwd: repoRoot });
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The service items of the default config, for spreading conversations over them. */
export const ITEM_IDS = [
  'preparation-registration',
  'drug-production-license',
  'device-registration',
  'device-production-license',
  'cosmetics-production-license',
] as const;

export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
}

/** Nearest-rank percentiles of `values` (not modified). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return {
    n: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
  };
}

export const ms = (value: number): string => `${Math.round(value)}ms`;

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves when all are
 * done, rejecting with the first failure.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export const sleep = (msToWait: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, msToWait));

/** Prints a progress line to stderr (stdout keeps the results, the summary line last). */
export function progress(text: string): void {
  process.stderr.write(`  … ${text}\n`);
}

/** A webchat-shaped citizen message from simulated citizen `i` (its channel user id is `bench-citizen-<i>`). */
export function citizenMessage(
  i: number,
  content: Record<string, unknown>,
  externalId: string,
): InboundMessage {
  return {
    channel: 'webchat',
    externalId,
    channelUserId: `bench-citizen-${i}`,
    senderRole: 'citizen',
    ...content,
  } as InboundMessage;
}

/** Citizen i opens the widget on the page of item i mod 5 (the conversation then knows its item). */
export function enterOnItemPage(i: number): InboundMessage {
  return citizenMessage(
    i,
    { kind: 'event', event: 'enter_session', key: `item:${ITEM_IDS[i % ITEM_IDS.length]}` },
    `bench-enter-${i}`,
  );
}

/** Citizen i asks for a human (with a known item this hands off at once). */
export function askForHuman(i: number): InboundMessage {
  return citizenMessage(i, { kind: 'text', text: '转人工' }, `bench-human-${i}`);
}
