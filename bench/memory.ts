/**
 * P7 memory: resident memory of the server holding 10 000 open conversations, each with its
 * pending SLA timers (reminder 1, reminder 2, breach).
 *
 * The server runs in this process (createBangban, demo mode, runners started) and the
 * conversations come through the inbound door like the other flow benches: the widget's "entered
 * on item X's page" event, then `转人工`. The SLA is long (reminders at 10 / 20 min, breach 30 min)
 * so every timer is still pending when memory is read. This process keeps nothing per
 * conversation, so what grows is the server's. RSS is read after a full garbage collection, once
 * before any conversation (baseline) and once after. On PGlite the database lives in this process
 * too, and its memory counts — that is the real footprint of a PGlite deployment.
 *
 * Usage: npm run bench -- memory [--conversations 10000] [--concurrency 8] [--pglite]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createBangban } from '../src/main.ts';
import { queryRows } from '../src/storage/database.ts';
import {
  askForHuman,
  benchConfig,
  enterOnItemPage,
  ms,
  openBenchBackend,
  progress,
  runPool,
} from './_shared.ts';

const TARGET_MB = 200;
const { values: flags } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    pglite: { type: 'boolean', default: false },
  },
});
const COUNT = Number(flags.conversations);
const CONCURRENCY = Number(flags.concurrency);

// A full collection before each reading (the runner starts benches without --expose-gc).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledMemory(): { rss: number; heap: number } {
  for (let i = 0; i < 3; i += 1) gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 2 ** 20, heap: usage.heapUsed / 2 ** 20 };
}

const backend = await openBenchBackend('memory', { forcePglite: flags.pglite });
const config = benchConfig({
  backend,
  capacity: COUNT,
  sla: { firstResponseSeconds: 1800, reminderSeconds: [600, 1200] },
});
// Failing until the run says otherwise (a throw leaves it 1).
process.exitCode = 1;
try {
  const bangban = await createBangban({ config, demo: true });
  try {
    await bangban.listen();
    const before = settledMemory();
    console.log(
      `memory: ${COUNT} conversations, db=${backend.label}; baseline rss=${before.rss.toFixed(0)}MB heap=${before.heap.toFixed(0)}MB`,
    );
    const started = performance.now();
    await runPool(COUNT, CONCURRENCY, (i) => bangban.flows.handleInbound(enterOnItemPage(i)));
    await runPool(COUNT, CONCURRENCY, (i) => bangban.flows.handleInbound(askForHuman(i)));
    progress(`${COUNT} conversations opened and handed off in ${ms(performance.now() - started)}`);
    const [counts] = await queryRows<{ open: number; pending: number }>(
      bangban.database.db,
      sql`select (select count(*)::int from conversations where state in ('assigned', 'active', 'queued')) as open,
                 (select count(*)::int from timers where status = 'pending' and kind like 'sla.%') as pending`,
    );
    const after = settledMemory();
    console.log(
      `after: ${counts?.open} open conversations, ${counts?.pending} pending SLA timers; rss=${after.rss.toFixed(0)}MB heap=${after.heap.toFixed(0)}MB (+${(after.rss - before.rss).toFixed(0)}MB rss)`,
    );
    const complete = counts?.open === COUNT && counts.pending === COUNT * 3;
    const ok = complete && after.rss <= TARGET_MB;
    console.log(
      `P7 memory rss=${after.rss.toFixed(0)}MB baseline=${before.rss.toFixed(0)}MB heap=${after.heap.toFixed(0)}MB open=${counts?.open} timers=${counts?.pending} db=${backend.label} (target rss<=${TARGET_MB}MB) ${ok ? 'OK' : 'MISS'}`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await bangban.close();
  }
} finally {
  await backend.cleanup();
}
