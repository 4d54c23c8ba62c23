/**
 * P2 callback-throughput: signed + encrypted WeCom text callbacks over loopback (autocannon), each
 * verified, decrypted, parsed, stored in the inbox and acked by the real app (createApp with its
 * whole middleware stack + the WeCom callback router), against a bare Koa handler that runs only
 * the same crypto. Then the real app at a fixed 500 req/s for the ack p99.
 * The conversation processing that follows the ack is not part of it (it runs after the 200).
 * The servers run in a child process, so the load generator does not take their CPU.
 * Database: BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database is created and dropped),
 * else in-memory PGlite.
 * Usage: npm run bench -- callback-throughput [--seconds 8] [--rounds 4] [--connections 32]
 *   (--seconds per server, split into --rounds turns of bare then ours)
 * Looking inside the servers' process: BENCH_CHILD_CPU_PROF=<dir> writes a V8 CPU profile there;
 * BENCH_CHILD_NODE_ARGS="--trace-gc …" passes Node flags to it.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment -- autocannon ships no types
// @ts-ignore
import autocannon from 'autocannon';
import Koa from 'koa';
import pg from 'pg';
import { createWecomCallbackRouter } from '../adapters/wecom/callback-router.ts';
import {
  aesKeyFrom,
  decryptMessage,
  encryptMessage,
  isValidSignature,
  msgSignature,
} from '../adapters/wecom/crypto.ts';
import { createInboundHandler } from '../adapters/wecom/inbound-handler.ts';
import { createStaffDirectory } from '../adapters/shared/staff-directory.ts';
import { buildXml, parseXmlDocument, textOf } from '../adapters/wecom/xml.ts';
import { systemClock } from '../src/clock.ts';
import { toPayload } from '../src/flows/inbound-payload.ts';
import { createApp } from '../src/http/app.ts';
import { startServer } from '../src/http/server.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import type { Database } from '../src/storage/database.ts';
import { migrate, openDatabase } from '../src/storage/index.ts';
import { databaseFromPglite } from '../src/storage/pglite-database.ts';
import { createFlowStore } from '../src/storage/repositories/create-flow-store.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '4' },
    serve: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Math.max(1, Number(values.rounds));
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
const RATE = 500;

const TOKEN = 'benchToken';
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CORP = 'wwbenchcorp';
const STAFF_USER = 'BenchHelper';
const aes = aesKeyFrom(KEY)!;

/** Signed callbacks to send in turn; `next` is where the rounds that share them are up to. */
interface Callbacks {
  items: { path: string; body: string }[];
  next: number;
}

/** Distinct signed callbacks (distinct MsgIds, so every one is a real inbox insert). */
function makeCallbacks(count: number, prefix: string): Callbacks {
  const items = Array.from({ length: count }, (_, i) => {
    const plaintext = buildXml({
      ToUserName: CORP,
      FromUserName: STAFF_USER,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'text',
      Content: `您好，请把申请表和制剂处方发给我，我来核对。${i}`,
      MsgId: `${prefix}${String(i).padStart(9, '0')}`,
      AgentID: 1000002,
    });
    const encrypt = encryptMessage(aes, plaintext, CORP);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(5).toString('hex');
    const query = new URLSearchParams({
      msg_signature: msgSignature(TOKEN, timestamp, nonce, encrypt),
      timestamp,
      nonce,
    });
    return {
      path: `/callbacks/wecom?${query}`,
      body: buildXml({ ToUserName: CORP, Encrypt: encrypt, AgentID: '1000002' }),
    };
  });
  return { items, next: 0 };
}

async function openBenchDatabase(): Promise<{ database: Database; label: string; drop(): Promise<void> }> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const database = databaseFromPglite(await PGlite.create(), 'in-memory PGlite');
    await migrate(database);
    return { database, label: 'pglite', drop: () => database.close() };
  }
  const name = `bangban_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' });
  await migrate(database);
  return {
    database,
    label: 'postgres',
    async drop() {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The baseline: Koa reading the raw body and running the same verify + decrypt, nothing else. */
async function startBare(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const doc = parseXmlDocument(Buffer.concat(chunks).toString('utf8'));
    const encrypt = doc.ok ? (textOf(doc.root, 'Encrypt') as string) : '';
    const q = ctx.query as Record<string, string>;
    if (!isValidSignature(q['msg_signature'] ?? '', TOKEN, q['timestamp'] ?? '', q['nonce'] ?? '', encrypt))
      ctx.throw(401);
    if (!decryptMessage(aes, encrypt, CORP).ok) ctx.throw(400);
    ctx.body = '';
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startOurs(database: Database): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger({ level: 'info', destination: { write: () => undefined } });
  const store = createFlowStore(database);
  // The flows' door without the processing that follows the ack: store in the inbox, deduped.
  const flows = {
    async receive(message: Parameters<typeof toPayload>[0]) {
      const { id, duplicate } = await store.inbox.insert({
        channel: message.channel,
        externalId: message.externalId,
        payload: toPayload(message),
        at: systemClock.now(),
      });
      return { ok: true as const, duplicate, inboxId: id };
    },
    getConversation: async () => null,
  };
  const router = createWecomCallbackRouter({
    secrets: { token: TOKEN, aes, corpId: CORP, maxClockSkewSeconds: 300 },
    clock: systemClock,
    onCallback: createInboundHandler({
      flows,
      directory: createStaffDirectory(
        [
          {
            id: 'bench-helper',
            name: '压测',
            department: 'drug-reg',
            roles: ['helper'],
            identities: { wecom: STAFF_USER },
          },
        ],
        'wecom',
      ),
      db: database.db,
      enqueue: async () => ({ enqueued: false }),
      clock: systemClock,
    }),
  });
  const app = createApp({
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    checkHealth: async () => {},
    routers: [router],
  });
  const server = await startServer(app, { port: 0, host: '127.0.0.1', logger });
  return { url: server.url, close: () => server.close() };
}

/** Autocannon against `url` for `seconds`; each callback is sent once (none repeats) until they run out. */
async function load(url: string, callbacks: Callbacks, options: { rate?: number; seconds: number }) {
  const result = await autocannon({
    url,
    connections: options.rate ? Math.min(CONNECTIONS, 16) : CONNECTIONS,
    duration: options.seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        setupRequest: (request: Record<string, unknown>) => {
          const callback = callbacks.items[callbacks.next++ % callbacks.items.length]!;
          return { ...request, path: callback.path, body: callback.body };
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0)
    throw new Error(
      `${bad} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  return result;
}

/** CPU time of every postgres process on this machine so far (0 where /proc cannot tell). */
function postgresCpuMicros(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
        const fields = stat.slice(close + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

/** Child process: both servers on one database; reports their URLs, closes on 'stop'. */
async function serve(): Promise<void> {
  const { database, label, drop } = await openBenchDatabase();
  const bare = await startBare();
  const ours = await startOurs(database);
  process.send!({ bare: bare.url, ours: ours.url, label });
  process.on('message', (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMicros: user + system });
      return;
    }
    if (message !== 'stop') return;
    void (async () => {
      await ours.close();
      await bare.close();
      await drop();
      process.exit(0);
    })();
  });
}

async function run(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CHILD_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CHILD_CPU_PROF}`]
        : []),
      ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    stdio: 'inherit',
  });
  const urls = await new Promise<{ bare: string; ours: string; label: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { bare: string; ours: string; label: string }));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const serverCpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (message) => resolve((message as { cpuMicros: number }).cpuMicros));
      child.send('cpu');
    });
  interface Tally {
    requests: number;
    seconds: number;
    serverMicros: number;
    generatorMicros: number;
    postgresMicros: number;
    p99s: number[];
  }
  const tally = (): Tally => ({
    requests: 0,
    seconds: 0,
    serverMicros: 0,
    generatorMicros: 0,
    postgresMicros: 0,
    p99s: [],
  });
  /** One load phase, added to `into` with the CPU each process spent on it. */
  const measured = async (into: Tally, url: string, callbacks: Callbacks, seconds: number) => {
    const [server0, postgres0, self0] = [await serverCpu(), postgresCpuMicros(), process.cpuUsage()];
    const result = await load(url, callbacks, { seconds });
    const [server1, postgres1, self1] = [await serverCpu(), postgresCpuMicros(), process.cpuUsage(self0)];
    into.requests += result.requests.total;
    into.seconds += result.duration;
    into.serverMicros += server1 - server0;
    into.generatorMicros += self1.user + self1.system;
    into.postgresMicros += postgres1 - postgres0;
    into.p99s.push(result.latency.p99);
    return result.requests.total / result.duration;
  };
  const describe = (name: string, t: Tally) => {
    const perRequest = (micros: number) => (micros / t.requests).toFixed(0);
    return `${name} ${(t.requests / t.seconds).toFixed(0)} req/s p99=${Math.max(...t.p99s)}ms (CPU µs/request: server ${perRequest(t.serverMicros)}, load generator ${perRequest(t.generatorMicros)}, postgres ${perRequest(t.postgresMicros)})`;
  };
  try {
    const phaseSeconds = SECONDS / ROUNDS;
    const bareCallbacks = makeCallbacks(20_000, '2');
    const oursCallbacks = makeCallbacks(25_000 * SECONDS, '3');
    await load(urls.ours, makeCallbacks(2000, '1'), { rate: 1000, seconds: 2 }).catch(() => undefined);
    // Bare and ours take turns, so a machine that speeds up or slows down meanwhile (shared
    // cores) moves both sides of the ratio alike; the spread of the per-round ratios shows the noise.
    const bare = tally();
    const ours = tally();
    const roundRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bareRate = await measured(bare, urls.bare, bareCallbacks, phaseSeconds);
      const oursRate = await measured(ours, urls.ours, oursCallbacks, phaseSeconds);
      roundRatios.push(oursRate / bareRate);
    }
    const paced = await load(urls.ours, makeCallbacks(RATE * SECONDS + 1000, '4'), {
      rate: RATE,
      seconds: SECONDS,
    });
    const ratio = ours.requests / ours.seconds / (bare.requests / bare.seconds);
    const p99 = paced.latency.p99;
    const ok = ratio >= TARGET_RATIO && p99 <= TARGET_P99_MS;
    console.log(`${describe('bare', bare)} | ${describe('ours', ours)}`);
    console.log(
      `rounds: ${roundRatios.map((r) => r.toFixed(2)).join(' ')} | ours@${RATE}/s ${paced.requests.average.toFixed(0)} req/s p50=${paced.latency.p50}ms`,
    );
    console.log(
      `P2 callback-throughput ours=${(ours.requests / ours.seconds).toFixed(0)} req/s bare-crypto=${(bare.requests / bare.seconds).toFixed(0)} req/s ratio=${ratio.toFixed(2)} (target >=${TARGET_RATIO}) p99@${RATE}/s=${p99}ms (target <=${TARGET_P99_MS}ms) db=${urls.label} ${ok ? 'OK' : 'MISS'}`,
    );
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await exited;
  }
}

if (values.serve) await serve();
else await run();
