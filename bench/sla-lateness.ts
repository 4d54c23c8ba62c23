/**
 * P1 sla-lateness: 10 000 open conversations handed off over a few seconds, each with its SLA
 * timers (reminder 1, reminder 2, breach); lateness = when the timer took effect − its due time.
 *
 * Citizens arrive through the one inbound door (`flows.handleInbound`) with webchat-shaped
 * messages: the widget's "entered on the page of item X" event (setup), then `转人工`, which hands
 * the conversation to a rota helper and schedules its three timers. escalation.maxReassignments
 * is 0, so a breach notifies the supervisor and starts no further cycle: exactly three timers per
 * conversation. Capacity is raised so nobody queues (demo mode staffs every item at any hour).
 *
 * Two modes, because the server hands off far fewer than 10 000 conversations in a few seconds:
 *
 * - default, `--window 5`: the handoffs run first with the runner stopped and the server's clock
 *   stepped so that handoff i happens at T0 + i·window/N — 10 000 handoffs "over 5 s" as the timer
 *   table sees them, however long they really take. Then the clock runs on at real speed from
 *   T0 + window and the timer runner starts: 10 000 reminder-1s fall due within 5 s, then the
 *   reminder-2s, then the breaches (reminders at 10 s / 20 s, breach 30 s, all after the window).
 *   This is the P1 load on the timer machinery.
 * - `--live`: the real clock, the runner running, handoffs (`--concurrency` at a time or
 *   `--rate` per second) mixed with the timers they create (reminders 2 s / 4 s, breach 6 s).
 *
 * Lateness is measured at the effect: the arrival, at a loopback fake staff channel, of the
 * notification the timer sends (reminder → helper, breach → supervisor) minus `timers.due_at`,
 * both on the server's clock. It includes waking up, claiming, the handler's transaction and the
 * send — all a helper waits for. `timers.fired_at − due_at` (stamped when the runner marks its
 * whole batch done, so later) is printed as a cross-check.
 * None lost, none twice: every expected timer row is `fired`; each key has exactly one
 * sla_reminder / sla_breached event; each timer's notifications reached exactly the recipients its
 * event lists (the supervisors for a breach), once each; no notification came early.
 *
 * Usage: npm run bench -- sla-lateness [--conversations 10000] [--window 5] [--concurrency 8]
 *        [--remind 10,20] [--breach 30] [--live [--rate 40]] [--pglite]
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createBangban, type Bangban } from '../src/main.ts';
import type { Clock } from '../src/ports.ts';
import { queryRows } from '../src/storage/database.ts';
import { RecordingStaffChannel, type RecordedNotification } from '../test/fakes/recording-staff-channel.ts';
import {
  askForHuman,
  benchConfig,
  enterOnItemPage,
  ms,
  openBenchBackend,
  percentiles,
  progress,
  runPool,
  sleep,
} from './_shared.ts';

const TARGET_P99_MS = 100;

const { values: flags } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10000' },
    window: { type: 'string', default: '5' },
    concurrency: { type: 'string' },
    remind: { type: 'string' },
    breach: { type: 'string' },
    live: { type: 'boolean', default: false },
    rate: { type: 'string' },
    pglite: { type: 'boolean', default: false },
  },
});
const LIVE = flags.live;
const COUNT = Number(flags.conversations);
const WINDOW_S = Number(flags.window);
const CONCURRENCY = Number(flags.concurrency ?? (LIVE ? 16 : 8));
const REMIND = (flags.remind ?? (LIVE ? '2,4' : '10,20')).split(',').map(Number);
const BREACH = Number(flags.breach ?? (LIVE ? 6 : 30));
/** --live only: handoffs per second, open loop; default as fast as `concurrency` allows. */
const RATE = flags.rate === undefined ? null : Number(flags.rate);
if (!LIVE && REMIND[0]! <= WINDOW_S + 1) {
  console.error(
    `--remind must start after the window (${WINDOW_S} s) plus 1 s, so no timer is due before the runner starts`,
  );
  process.exit(2);
}

/** The wall clock, or (window mode) a clock the bench pins during the handoffs and then lets run. */
class BenchClock implements Clock {
  #pinned: number | null = null;
  #offset = 0;
  now(): Date {
    return new Date(this.#pinned ?? Date.now() + this.#offset);
  }
  pin(at: number): void {
    this.#pinned = at;
  }
  /** From now on, real speed starting at `at`. */
  runFrom(at: number): void {
    this.#offset = at - Date.now();
    this.#pinned = null;
  }
}

const clock = new BenchClock();
const backend = await openBenchBackend('sla-lateness', { forcePglite: flags.pglite });
const channel = new RecordingStaffChannel({ clock });
const config = benchConfig({
  backend,
  capacity: COUNT,
  sla: {
    firstResponseSeconds: BREACH,
    reminderSeconds: REMIND,
    escalation: { maxReassignments: 0, reassignAfterSeconds: BREACH },
  },
});

// Failing until the run says otherwise (a throw leaves it 1).
process.exitCode = 1;
try {
  const bangban = await createBangban({ config, clock, demo: true, staffNotifiers: [channel] });
  try {
    process.exitCode = await run(bangban);
  } finally {
    await bangban.close();
  }
} finally {
  await backend.cleanup();
}

async function run(bangban: Bangban): Promise<number> {
  const { flows } = bangban;
  const mode = LIVE
    ? `live, ${RATE === null ? `concurrency ${CONCURRENCY}` : `${RATE} handoffs/s`}`
    : `handed off over ${WINDOW_S} s (server clock), concurrency ${CONCURRENCY}`;
  console.log(
    `sla-lateness: ${COUNT} conversations, ${mode}, reminders ${REMIND.join('/')} s, breach ${BREACH} s, db=${backend.label}`,
  );
  const t0 = Date.now();
  if (LIVE) await bangban.listen();
  else clock.pin(t0 - 1000);

  // Setup (untimed): each citizen opens the widget on an item's page, so 转人工 hands off at once.
  let started = performance.now();
  await runPool(COUNT, CONCURRENCY, (i) => flows.handleInbound(enterOnItemPage(i)));
  progress(`setup: ${COUNT} conversations opened in ${ms(performance.now() - started)}`);

  // Every citizen asks for a human.
  const handOff = (i: number): Promise<unknown> => {
    if (!LIVE) clock.pin(t0 + (i * WINDOW_S * 1000) / COUNT);
    return flows.handleInbound(askForHuman(i));
  };
  const cpuBefore = process.cpuUsage();
  started = performance.now();
  if (RATE !== null && LIVE) await paced(COUNT, RATE, handOff);
  else await runPool(COUNT, CONCURRENCY, handOff);
  const handoffMs = performance.now() - started;
  const handoffRate = COUNT / (handoffMs / 1000);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `handoffs: ${COUNT} in ${ms(handoffMs)} real time (${handoffRate.toFixed(0)}/s, concurrency ${CONCURRENCY}); ${((cpu.user + cpu.system) / 1000 / COUNT).toFixed(1)} ms of this process's CPU each`,
  );

  if (!LIVE) {
    // The window is over on the server's clock; from here time runs and the timers fire.
    clock.runFrom(t0 + WINDOW_S * 1000);
    await bangban.listen();
  }
  const firingCpu = process.cpuUsage();
  const rss = await waitForTimers(bangban);
  const used = process.cpuUsage(firingCpu);
  if (!LIVE)
    progress(
      `firing: ${((used.user + used.system) / 1000 / (COUNT * (REMIND.length + 1))).toFixed(1)} ms of this process's CPU per timer`,
    );
  return report(bangban, handoffRate, rss);
}

/** Starts `task(i)` every 1/rate s (catching up after a late tick), then waits for all of them. */
async function paced(count: number, rate: number, task: (i: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    running.push(task(i));
  }
  await Promise.all(running);
}

/** Waits until no SLA timer is pending; resolves with the highest RSS seen meanwhile (MB). */
async function waitForTimers(bangban: Bangban): Promise<number> {
  const deadline = performance.now() + BREACH * 1000 + 180_000;
  let rss = 0;
  for (;;) {
    rss = Math.max(rss, process.memoryUsage().rss);
    const [row] = await queryRows<{ pending: number }>(
      bangban.database.db,
      sql`select count(*)::int as pending from timers where status = 'pending' and kind like 'sla.%'`,
    );
    if ((row?.pending ?? 0) === 0) return rss / 2 ** 20;
    if (performance.now() > deadline) {
      console.log(`gave up waiting: ${row?.pending} SLA timers still pending`);
      return rss / 2 ** 20;
    }
    await sleep(250);
  }
}

interface TimerRow {
  key: string;
  status: string;
  attempts: number;
  due_ms: number;
  fired_ms: number | null;
}

async function report(bangban: Bangban, handoffRate: number, rssMb: number): Promise<number> {
  const { db } = bangban.database;
  const handedOff = await queryRows<{ id: string; item_id: string }>(
    db,
    sql`select id, item_id from conversations where handoff_at is not null`,
  );
  const timerRows = await queryRows<TimerRow>(
    db,
    sql`select key, status, attempts,
               (extract(epoch from due_at) * 1000)::float8 as due_ms,
               (extract(epoch from fired_at) * 1000)::float8 as fired_ms
        from timers where kind like 'sla.%'`,
  );
  const eventRows = await queryRows<{ key: string; events: number; notified: string[] | null }>(
    db,
    sql`select data->>'key' as key, count(*)::int as events, (array_agg(data->'notified'))[1] as notified
        from conversation_events where type in ('sla_reminder', 'sla_breached') group by 1`,
  );
  const timers = new Map(timerRows.map((row) => [row.key, row]));
  const events = new Map(eventRows.map((row) => [row.key, row]));
  // A breach notifies the supervisors of the item's department.
  const supervisors = (itemId: string): number => {
    const department = bangban.config.items.find((item) => item.id === itemId)?.department;
    return bangban.config.staff.filter((s) => s.department === department && s.roles.includes('supervisor'))
      .length;
  };

  // Notifications by the timer key they answer (only cycle 1 exists: no reassignment rounds).
  const byKey = new Map<string, RecordedNotification[]>();
  for (const recorded of channel.received) {
    const n = recorded.notification;
    const key =
      n.type === 'reminder'
        ? `sla:${n.conversation.id}:1:r${n.level}`
        : n.type === 'breach'
          ? `sla:${n.conversation.id}:1:breach`
          : null;
    if (!key) continue;
    const list = byKey.get(key) ?? [];
    list.push(recorded);
    byKey.set(key, list);
  }

  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < 10) problems.push(text);
  };
  const lateness: number[] = [];
  const firedLateness: number[] = [];
  let lost = 0;
  let twice = 0;
  let retried = 0;
  const suffixes = [...REMIND.map((_, i) => `r${i + 1}`), 'breach'];
  for (const { id, item_id: itemId } of handedOff) {
    for (const suffix of suffixes) {
      const key = `sla:${id}:1:${suffix}`;
      const timer = timers.get(key);
      const event = events.get(key);
      const notes = byKey.get(key) ?? [];
      if (!timer || timer.status !== 'fired' || !event || notes.length === 0) {
        lost += 1;
        problem(
          `${key}: timer ${timer?.status ?? 'missing'}, events ${event?.events ?? 0}, notifications ${notes.length}`,
        );
        continue;
      }
      if (timer.attempts > 1) retried += 1;
      const recipients = new Set(notes.map((r) => r.staffId));
      const expected = suffix === 'breach' ? supervisors(itemId) : (event.notified?.length ?? 0);
      if (event.events !== 1 || notes.length !== recipients.size || recipients.size !== expected) {
        twice += 1;
        problem(
          `${key}: ${event.events} events, ${notes.length} notifications to ${recipients.size} people, expected ${expected}`,
        );
      }
      lateness.push(Math.min(...notes.map((r) => r.at)) - timer.due_ms);
      if (timer.fired_ms !== null) firedLateness.push(timer.fired_ms - timer.due_ms);
    }
  }
  const expectedTimers = COUNT * suffixes.length;
  const extra = timerRows.length - handedOff.length * suffixes.length;
  if (handedOff.length !== COUNT) problem(`${handedOff.length} of ${COUNT} conversations were handed off`);
  if (extra !== 0) problem(`${extra} SLA timers beyond the expected ${suffixes.length} per conversation`);
  for (const text of problems) console.log(`  problem: ${text}`);

  const p = percentiles(lateness);
  const f = percentiles(firedLateness);
  const early = lateness.filter((value) => value < 0).length;
  console.log(
    `lateness at the staff channel: p50=${ms(p.p50)} p90=${ms(p.p90)} p99=${ms(p.p99)} max=${ms(p.max)} min=${ms(p.min)} n=${p.n}`,
  );
  console.log(
    `timers.fired_at − due_at:      p50=${ms(f.p50)} p90=${ms(f.p90)} p99=${ms(f.p99)} max=${ms(f.max)}`,
  );
  // How fast the runner got through them: from the first due time to the last effect.
  const firstDue = Math.min(...timerRows.map((row) => row.due_ms));
  const lastEffect = Math.max(...channel.received.map((r) => r.at));
  const dueSpan = (Math.max(...timerRows.map((row) => row.due_ms)) - firstDue) / 1000;
  console.log(
    `firing: ${lateness.length} timers due over ${dueSpan.toFixed(1)} s (${(lateness.length / Math.max(dueSpan, 0.001)).toFixed(0)}/s asked), done in ${((lastEffect - firstDue) / 1000).toFixed(1)} s (${(lateness.length / ((lastEffect - firstDue) / 1000)).toFixed(0)}/s achieved)`,
  );
  console.log(
    `timers: expected ${expectedTimers}, fired ${lateness.length}, lost ${lost}, twice ${twice}, retried ${retried}, early ${early}; peak rss ${rssMb.toFixed(0)}MB`,
  );

  const complete = lost === 0 && twice === 0 && early === 0 && extra === 0 && handedOff.length === COUNT;
  const ok = complete && p.p99 <= TARGET_P99_MS;
  const shape = LIVE
    ? `live handoffs=${handoffRate.toFixed(0)}/s`
    : `window=${WINDOW_S}s handoffs=${handoffRate.toFixed(0)}/s`;
  console.log(
    `P1 sla-lateness p99=${ms(p.p99)} p50=${ms(p.p50)} max=${ms(p.max)} n=${p.n} lost=${lost} twice=${twice} ${shape} db=${backend.label} (target p99<=${TARGET_P99_MS}ms, none lost) ${ok ? 'OK' : 'MISS'}`,
  );
  return ok ? 0 : 1;
}
