/**
 * P4 handoff-latency: citizens open the 小申 widget on an item's page and ask for a human at
 * 100 new conversations per second, over loopback HTTP; latency = from sending `转人工`
 * (POST /webchat/sessions/:id/messages) to the helper's notification (`assigned`, or
 * `new_conversation` if it queued) arriving at a loopback fake staff API — an HTTP server the
 * staff notifier POSTs to, as a WeCom adapter would.
 *
 * The server runs in a child process (as in callback-throughput), so the load generator and the
 * fake staff API — 2 requests sent and 3 notifications received per conversation — do not take its
 * CPU; both timestamps of a measurement are taken here, in the parent.
 *
 * Open loop: citizen i starts at i/rate s whatever happened to the others, so a slow server shows
 * as latency rather than as a lower request rate. Each citizen connects from its own loopback
 * address (the widget API limits new sessions per address). The first `--warmup` seconds are
 * run but not counted. Capacity is raised so every conversation is assigned (the full path); the
 * SLA stays at its defaults (no reminder falls inside the run). Demo mode staffs every item.
 *
 * Usage: npm run bench -- handoff-latency [--rate 100] [--seconds 15] [--warmup 2] [--pglite]
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createBangban } from '../src/main.ts';
import { queryRows } from '../src/storage/database.ts';
import { loopbackStaffNotifier, startLoopbackStaffApi } from '../test/fakes/recording-staff-channel.ts';
import {
  citizenAddress,
  openWebchatSession,
  postWebchatText,
  type WebchatSession,
} from '../test/reliability/helpers/webchat-client.ts';
import { benchConfig, ITEM_IDS, ms, openBenchBackend, percentiles, progress, sleep } from './_shared.ts';

const TARGET_P99_MS = 150;

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    pglite: { type: 'boolean', default: false },
    serve: { type: 'string' },
  },
});
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const WARMUP_S = Number(flags.warmup);
const TOTAL = Math.round(RATE * (SECONDS + WARMUP_S));
const WARMUP_COUNT = Math.round(RATE * WARMUP_S);
/** How long to wait for the last notifications after the last request. */
const DRAIN_MS = 30_000;

interface Citizen {
  index: number;
  session?: WebchatSession;
  /** performance.now() when the 转人工 POST was sent, and when it was answered. */
  sentAt?: number;
  ackedAt?: number;
  status?: number;
  error?: string;
}

/** What the parent tells the server child (JSON in --serve). */
interface ServeOptions {
  dataDir: string;
  databaseUrl?: string;
  staffApiUrl: string;
  capacity: number;
}

/** The server child: createBangban with the fake staff API as its notifier; answers the parent's questions. */
async function serve(options: ServeOptions): Promise<void> {
  const config = benchConfig({
    backend: {
      kind: options.databaseUrl ? 'postgres' : 'pglite',
      label: '',
      dataDir: options.dataDir,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      cleanup: async () => {},
    },
    capacity: options.capacity,
  });
  const notifier = loopbackStaffNotifier(options.staffApiUrl);
  const bangban = await createBangban({ config, demo: true, staffNotifiers: [notifier] });
  const server = await bangban.listen();
  const cpuAtStart = process.cpuUsage();
  // How long the server's event loop was held up: a long stall shows as latency of every request.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  process.on('message', (message: { type: string }) => {
    void (async () => {
      if (message.type === 'sessions') {
        const rows = await queryRows<{ id: string; citizen_user_id: string }>(
          bangban.database.db,
          sql`select id, citizen_user_id from conversations where channel = 'webchat'`,
        );
        const cpu = process.cpuUsage(cpuAtStart);
        process.send!({
          type: 'sessions',
          rows,
          cpuMs: (cpu.user + cpu.system) / 1000,
          loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        });
      } else if (message.type === 'stop') {
        await bangban.close();
        notifier.close();
        process.exit(0);
      }
    })();
  });
  process.send!({ type: 'ready', url: server.url });
}

interface ServerChild {
  url: string;
  sessions(): Promise<{
    rows: { id: string; citizen_user_id: string }[];
    cpuMs: number;
    loopDelayMs: { p99: number; max: number };
  }>;
  stop(): Promise<void>;
}

async function startServerChild(options: ServeOptions): Promise<ServerChild> {
  const profile = process.env.BENCH_CHILD_CPU_PROF;
  const child = fork(new URL(import.meta.url).pathname, ['--serve', JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
    stdio: 'inherit',
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url,
    sessions: () =>
      new Promise((resolve) => {
        child.once(
          'message',
          (message: {
            rows: { id: string; citizen_user_id: string }[];
            cpuMs: number;
            loopDelayMs: { p99: number; max: number };
          }) => resolve(message),
        );
        child.send({ type: 'sessions' });
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

if (flags.serve !== undefined) {
  await serve(JSON.parse(flags.serve) as ServeOptions);
} else {
  const backend = await openBenchBackend('handoff-latency', { forcePglite: flags.pglite });
  const staffApi = await startLoopbackStaffApi();
  // Failing until the run says otherwise (a throw leaves it 1).
  process.exitCode = 1;
  try {
    const server = await startServerChild({
      dataDir: backend.dataDir,
      ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}),
      staffApiUrl: staffApi.url,
      capacity: TOTAL,
    });
    try {
      process.exitCode = await run(server, staffApi, backend.label);
    } finally {
      await server.stop();
    }
  } finally {
    await staffApi.close();
    await backend.cleanup();
  }
}

async function citizenLife(baseUrl: string, citizen: Citizen): Promise<void> {
  try {
    citizen.session = await openWebchatSession(baseUrl, {
      address: citizenAddress(citizen.index),
      item: ITEM_IDS[citizen.index % ITEM_IDS.length]!,
    });
    citizen.sentAt = performance.now();
    const result = await postWebchatText(baseUrl, citizen.session, '转人工');
    citizen.ackedAt = performance.now();
    citizen.status = result.status;
  } catch (error) {
    citizen.error = error instanceof Error ? error.message : String(error);
  }
}

async function run(
  server: ServerChild,
  staffApi: Awaited<ReturnType<typeof startLoopbackStaffApi>>,
  dbLabel: string,
): Promise<number> {
  const baseUrl = server.url;
  console.log(
    `handoff-latency: ${RATE} new conversations/s for ${SECONDS} s (+${WARMUP_S} s warm-up), loopback HTTP, server in a child process, db=${dbLabel}`,
  );
  const citizens: Citizen[] = Array.from({ length: TOTAL }, (_, index) => ({ index }));
  const lives: Promise<void>[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let lateStarts = 0;
  for (const citizen of citizens) {
    const wait = started + (citizen.index * 1000) / RATE - performance.now();
    if (wait > 1) await sleep(wait);
    else if (wait < -10) lateStarts += 1;
    lives.push(citizenLife(baseUrl, citizen));
  }
  const offered = performance.now() - started;
  await Promise.all(lives);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPerConversation = (cpu.user + cpu.system) / 1000 / TOTAL;
  progress(`all ${TOTAL} requests answered ${ms(performance.now() - started)} after the first`);

  // Conversations belong to sessions (the citizen id on the webchat channel is the session id).
  const drainUntil = performance.now() + DRAIN_MS;
  let bySession = new Map<string, string>();
  let serverCpuMs: number | undefined;
  let loopDelayMs: { p99: number; max: number } | undefined;
  for (;;) {
    const answer = await server.sessions();
    const rows = answer.rows;
    serverCpuMs = answer.cpuMs;
    loopDelayMs = answer.loopDelayMs;
    bySession = new Map(rows.map((row) => [row.citizen_user_id, row.id]));
    const notified = new Set(
      staffApi.channel.received
        .filter((r) => r.notification.type === 'assigned' || r.notification.type === 'new_conversation')
        .map((r) => (r.notification as { conversation: { id: string } }).conversation.id),
    );
    const waiting = citizens.filter(
      (c) => c.status === 201 && !notified.has(bySession.get(c.session!.sessionId) ?? ''),
    );
    if (waiting.length === 0 || performance.now() > drainUntil) break;
    await sleep(200);
  }

  const firstNotice = new Map<string, number>();
  for (const r of staffApi.channel.received) {
    if (r.notification.type !== 'assigned' && r.notification.type !== 'new_conversation') continue;
    const id = r.notification.conversation.id;
    firstNotice.set(id, Math.min(firstNotice.get(id) ?? Number.POSITIVE_INFINITY, r.hr));
  }

  const measured = citizens.slice(WARMUP_COUNT);
  const latencies: number[] = [];
  const acks: number[] = [];
  let failed = 0;
  let missing = 0;
  const errors = new Map<string, number>();
  for (const citizen of measured) {
    if (citizen.status !== 201) {
      failed += 1;
      const reason = citizen.error ?? `HTTP ${citizen.status}`;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
      continue;
    }
    acks.push(citizen.ackedAt! - citizen.sentAt!);
    const conversationId = bySession.get(citizen.session!.sessionId);
    const noticed = conversationId === undefined ? undefined : firstNotice.get(conversationId);
    if (noticed === undefined) {
      missing += 1;
      continue;
    }
    latencies.push(noticed - citizen.sentAt!);
  }
  for (const [reason, count] of errors) console.log(`  failed ×${count}: ${reason}`);

  const p = percentiles(latencies);
  const a = percentiles(acks);
  const achieved = TOTAL / (offered / 1000);
  console.log(
    `offered ${achieved.toFixed(0)} conversations/s (${lateStarts} starts >10 ms late); server ${((serverCpuMs ?? 0) / TOTAL).toFixed(1)} ms CPU per conversation, load generator + fake staff API ${cpuPerConversation.toFixed(1)} ms; server event loop delayed p99 ${ms(loopDelayMs?.p99 ?? 0)}, max ${ms(loopDelayMs?.max ?? 0)}`,
  );
  console.log(
    `notification latency: p50=${ms(p.p50)} p90=${ms(p.p90)} p99=${ms(p.p99)} max=${ms(p.max)} n=${p.n}`,
  );
  console.log(`POST 转人工 answered:  p50=${ms(a.p50)} p90=${ms(a.p90)} p99=${ms(a.p99)} max=${ms(a.max)}`);
  console.log(
    `measured ${measured.length}: notified ${latencies.length}, failed ${failed}, never notified ${missing}`,
  );

  const ok = failed === 0 && missing === 0 && p.p99 <= TARGET_P99_MS;
  console.log(
    `P4 handoff-latency p99=${ms(p.p99)} p50=${ms(p.p50)} max=${ms(p.max)} n=${p.n} failed=${failed} missing=${missing} rate=${RATE}/s db=${dbLabel} (target p99<=${TARGET_P99_MS}ms at 100/s) ${ok ? 'OK' : 'MISS'}`,
  );
  return ok ? 0 : 1;
}
