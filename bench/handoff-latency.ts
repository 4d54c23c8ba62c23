/**
 * P4 handoff-latency: citizens open the 小申 widget on an item's page and ask for a human at
 * 100 new conversations per second, over loopback HTTP; latency = from sending `转人工`
 * (POST /webchat/sessions/:id/messages) to the helper's notification (`assigned`, or
 * `new_conversation` if it queued) arriving at a loopback fake staff API — an HTTP server the
 * staff notifier POSTs to, as a WeCom adapter would.
 *
 * Open loop: citizen i starts at i/rate s whatever happened to the others, so a slow server shows
 * as latency rather than as a lower request rate. Each citizen connects from its own loopback
 * address (the widget API limits new sessions per address). The first `--warmup` seconds are
 * run but not counted. Capacity is raised so every conversation is assigned (the full path); the
 * SLA stays at its defaults (no reminder falls inside the run). Demo mode staffs every item.
 *
 * Usage: npm run bench -- handoff-latency [--rate 100] [--seconds 15] [--warmup 2] [--pglite]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createBangban } from '../src/main.ts';
import { queryRows } from '../src/storage/database.ts';
import { startLoopbackStaffApi } from '../test/fakes/recording-staff-channel.ts';
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

const backend = await openBenchBackend('handoff-latency', { forcePglite: flags.pglite });
const staffApi = await startLoopbackStaffApi();
const config = benchConfig({ backend, capacity: TOTAL });
// Failing until the run says otherwise (a throw leaves it 1).
process.exitCode = 1;
try {
  const bangban = await createBangban({ config, demo: true, staffNotifiers: [staffApi.notifier] });
  try {
    const server = await bangban.listen();
    process.exitCode = await run(server.url, bangban);
  } finally {
    await bangban.close();
  }
} finally {
  await staffApi.close();
  await backend.cleanup();
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

async function run(baseUrl: string, bangban: Awaited<ReturnType<typeof createBangban>>): Promise<number> {
  console.log(
    `handoff-latency: ${RATE} new conversations/s for ${SECONDS} s (+${WARMUP_S} s warm-up), loopback HTTP, db=${backend.label}`,
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
  for (;;) {
    const rows = await queryRows<{ id: string; citizen_user_id: string }>(
      bangban.database.db,
      sql`select id, citizen_user_id from conversations where channel = 'webchat'`,
    );
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
    `offered ${achieved.toFixed(0)} conversations/s (${lateStarts} starts >10 ms late); this process used ${cpuPerConversation.toFixed(1)} ms CPU per conversation (server + client)`,
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
    `P4 handoff-latency p99=${ms(p.p99)} p50=${ms(p.p50)} max=${ms(p.max)} n=${p.n} failed=${failed} missing=${missing} rate=${RATE}/s db=${backend.label} (target p99<=${TARGET_P99_MS}ms at 100/s) ${ok ? 'OK' : 'MISS'}`,
  );
  return ok ? 0 : 1;
}
