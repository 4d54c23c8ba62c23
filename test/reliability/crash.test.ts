/**
 * R1 (TARGETS.md): the real server, under webchat load, is killed with SIGKILL and started again
 * on the same data. Afterwards: every message the server acknowledged (201) is stored and
 * processed; nothing was processed twice (no duplicate messages, conversations, handoffs); every
 * SLA timer that fell due fired exactly once in effect (one sla_reminder / sla_breached event per
 * timer key) — including timers the dead process had claimed but not finished, which are retried
 * once their lease ends.
 *
 * Runs on PGlite (the data folder) and, when TEST_DATABASE_URL is set, on PostgreSQL. The SLA is
 * short (reminders 2 s / 4 s, breach 6 s, no reassignment rounds) so timers are firing when the
 * kill comes. Slow by nature: the wait for a dead process's timer leases (30 s) dominates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows, type Database, type Db } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { backends, createTestDatabase, type Backend, type TestDatabase } from '../helpers/db.ts';
import {
  freePort,
  startServerProcess,
  writeServerConfig,
  type ServerProcess,
} from './helpers/server-process.ts';
import {
  citizenAddress,
  openWebchatSession,
  postWebchatText,
  type WebchatSession,
} from './helpers/webchat-client.ts';

const REMIND_S = [2, 4];
const BREACH_S = 6;
const ITEMS = [
  'preparation-registration',
  'drug-production-license',
  'device-registration',
  'device-production-license',
  'cosmetics-production-license',
];
/** New citizens arrive every this many ms … */
const ARRIVAL_MS = 25;
const CITIZENS = 40;
/** … each writes again after a pause (the widget allows 20 messages a minute per session) … */
const PAUSE_MS = [300, 500];
/** … until the kill, this long after the first arrival: reminders are firing by then. */
const KILL_AFTER_MS = 3000;

interface Sent {
  session: WebchatSession;
  key: string;
  text: string;
  sentAt: number;
  status?: number;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Citizens open the widget on an item's page, ask for a human, then keep adding details. */
function startLoad(url: string): { sessions: WebchatSession[]; sent: Sent[]; stop(): Promise<void> } {
  const sessions: WebchatSession[] = [];
  const sent: Sent[] = [];
  let stopped = false;
  const citizen = async (index: number): Promise<void> => {
    await sleep(index * ARRIVAL_MS);
    if (stopped) return;
    let session: WebchatSession;
    try {
      session = await openWebchatSession(url, {
        address: citizenAddress(index),
        item: ITEMS[index % ITEMS.length]!,
      });
    } catch {
      return; // not acknowledged: the citizen simply never got a session
    }
    sessions.push(session);
    for (let m = 0; !stopped; m += 1) {
      const record: Sent = {
        session,
        key: `m${m}`,
        text: m === 0 ? '转人工' : `补充说明第${m}条`,
        sentAt: Date.now(),
      };
      sent.push(record);
      try {
        record.status = (
          await postWebchatText(url, session, record.text, { idempotencyKey: record.key, timeoutMs: 15_000 })
        ).status;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        return; // the server is gone; this one is retried after the restart
      }
      await sleep(PAUSE_MS[0]! + Math.random() * (PAUSE_MS[1]! - PAUSE_MS[0]!));
    }
  };
  const running = Array.from({ length: CITIZENS }, (_, index) => citizen(index));
  return {
    sessions,
    sent,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** The database to inspect: PostgreSQL stays reachable; a PGlite folder only while the server is down. */
interface Inspector {
  use<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

async function inspector(backend: Backend, dataDir: string): Promise<Inspector & { databaseUrl?: string }> {
  if (backend === 'postgres') {
    const database: TestDatabase = await createTestDatabase('postgres');
    return { databaseUrl: database.url!, use: (fn) => fn(database.db), cleanup: () => database.cleanup() };
  }
  return {
    use: async (fn) => {
      const database: Database = await openDatabase({ dataDir });
      try {
        return await fn(database.db);
      } finally {
        await database.close();
      }
    },
    cleanup: async () => undefined,
  };
}

/** Polls until some timer is claimed by a runner (or `timeoutMs` passes). */
async function untilTimersClaimed(d: Db, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await queryRows<{ claimed: boolean }>(
      d,
      sql`select exists (select 1 from timers where status = 'pending' and locked_by is not null) as claimed`,
    );
    if (row?.claimed) return;
  }
}

describe.each(backends)('R1 crash: kill -9 under load, restart on the same data (%s)', (backend) => {
  it('keeps every acknowledged message, processes each once, and fires each due SLA timer once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `bangban-r1-${backend}-`));
    const dataDir = path.join(dir, 'data');
    const db = await inspector(backend, dataDir);
    let server: ServerProcess | undefined;
    try {
      const serverOptions = {
        configFile: writeServerConfig(dir, {
          sla: { firstResponseSeconds: BREACH_S, reminderSeconds: REMIND_S },
          escalation: { maxReassignments: 0, reassignAfterSeconds: BREACH_S },
          capacity: 1000,
        }),
        dataDir,
        port: await freePort(),
        ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
      };
      server = await startServerProcess(serverOptions);

      // Load, then kill -9 in the middle of it.
      const load = startLoad(server.url);
      await sleep(KILL_AFTER_MS);
      // On PostgreSQL, aim the kill at a moment when the runner holds claimed timers (the lease
      // path); on PGlite the folder cannot be read while the server has it, so the moment is chance.
      if (db.databaseUrl) await db.use((d) => untilTimersClaimed(d, KILL_AFTER_MS));
      await server.crash();
      const killedAt = Date.now();
      await load.stop();
      const cutOff = load.sent.filter((s) => s.error !== undefined);
      expect(cutOff.length, 'requests in flight when the server died').toBeGreaterThan(0);

      // What the dead process left behind: timers it had claimed (leased) but not finished.
      const atCrash = await db.use(async (d) => {
        const [row] = await queryRows<{ claimed: number; lease_end_ms: number | null; unprocessed: number }>(
          d,
          sql`select (select count(*)::int from timers where status = 'pending' and locked_by is not null) as claimed,
                     (select (extract(epoch from max(claimed_until)) * 1000)::float8 from timers
                       where status = 'pending' and claimed_until is not null) as lease_end_ms,
                     (select count(*)::int from inbox where processed_at is null) as unprocessed`,
        );
        return row!;
      });
      console.log(
        `[R1 ${backend}] at the kill: ${load.sent.length} messages sent, ${cutOff.length} cut off, ` +
          `${atCrash.unprocessed} stored but unprocessed, ${atCrash.claimed} timers claimed mid-fire`,
      );

      // Restart on the same data; the platform (here the widget) retries what was never answered.
      server = await startServerProcess(serverOptions);
      for (const record of cutOff) {
        record.sentAt = Date.now();
        const retried = await postWebchatText(server.url, record.session, record.text, {
          idempotencyKey: record.key,
        });
        record.status = retried.status;
        delete record.error;
      }
      // A returning citizen continues the same conversation.
      for (const session of load.sessions) {
        const record: Sent = { session, key: 'after-restart', text: '请问进度如何', sentAt: Date.now() };
        load.sent.push(record);
        record.status = (
          await postWebchatText(server.url, session, record.text, { idempotencyKey: record.key })
        ).status;
      }
      expect(load.sent.filter((s) => s.status !== 201).map((s) => `${s.key}: ${s.status}`)).toEqual([]);

      // Every SLA timer is due by the last handoff + the breach time; timers the dead process held
      // come back when their lease ends.
      const lastHandoff = Math.max(...load.sent.filter((s) => s.text === '转人工').map((s) => s.sentAt));
      const settleAt = Math.max(lastHandoff + BREACH_S * 1000, atCrash.lease_end_ms ?? 0, killedAt) + 3000;
      await sleep(settleAt - Date.now());
      expect(await server.stop()).toBe(0);
      server = undefined;

      await db.use(async (d) => {
        const inbox = new Map(
          (
            await queryRows<{ external_id: string; processed: boolean; error: string | null }>(
              d,
              sql`select external_id, processed_at is not null as processed, error from inbox where channel = 'webchat'`,
            )
          ).map((row) => [row.external_id, row]),
        );
        const stored = new Map(
          (
            await queryRows<{ external_id: string; n: number }>(
              d,
              sql`select external_id, count(*)::int as n from messages
                  where direction = 'in' and external_id is not null group by 1`,
            )
          ).map((row) => [row.external_id, row.n]),
        );
        // Every acknowledged message: in the inbox, processed without error, in the transcript once.
        const problems: string[] = [];
        for (const record of load.sent) {
          const externalId = `${record.session.sessionId}:${record.key}`;
          const row = inbox.get(externalId);
          if (!row?.processed || row.error)
            problems.push(`${externalId}: inbox ${JSON.stringify(row ?? null)}`);
          if (stored.get(externalId) !== 1)
            problems.push(`${externalId}: ${stored.get(externalId) ?? 0} transcript rows`);
        }
        expect(problems).toEqual([]);
        expect([...stored.values()].filter((n) => n !== 1)).toEqual([]);

        // One conversation per citizen, handed off once, with its three SLA timers.
        const conversations = await queryRows<{
          id: string;
          citizen_user_id: string;
          handed_off: boolean;
          handoffs: number;
          sla_timers: number;
        }>(
          d,
          sql`select c.id, c.citizen_user_id, c.handoff_at is not null as handed_off,
                     (select count(*)::int from conversation_events e where e.conversation_id = c.id and e.type = 'handoff') as handoffs,
                     (select count(*)::int from timers t where starts_with(t.key, 'sla:' || c.id || ':')) as sla_timers
              from conversations c where c.channel = 'webchat'`,
        );
        // A session whose creation was cut off by the kill may exist unacknowledged, still with the bot.
        const known = new Set(load.sessions.map((s) => s.sessionId));
        const ours = conversations.filter((c) => known.has(c.citizen_user_id));
        expect(ours.map((c) => c.citizen_user_id).sort()).toEqual([...known].sort());
        expect(conversations.filter((c) => !known.has(c.citizen_user_id) && c.handed_off)).toEqual([]);
        expect(new Set(conversations.map((c) => c.citizen_user_id)).size).toBe(conversations.length);
        for (const conversation of ours) {
          expect(conversation).toMatchObject({
            handed_off: true,
            handoffs: 1,
            sla_timers: REMIND_S.length + 1,
          });
        }

        // Every SLA timer fired, and took effect exactly once (nobody answered, so each must act).
        const timers = await queryRows<{ key: string; status: string; events: number }>(
          d,
          sql`select t.key, t.status,
                     (select count(*)::int from conversation_events e
                       where e.type in ('sla_reminder', 'sla_breached') and e.data->>'key' = t.key) as events
              from timers t where t.kind like 'sla.%'`,
        );
        expect(timers.length).toBe(ours.length * (REMIND_S.length + 1));
        expect(timers.filter((t) => t.status !== 'fired' || t.events !== 1)).toEqual([]);
        console.log(
          `[R1 ${backend}] after the restart: ${load.sent.length} messages acknowledged and stored once, ` +
            `${ours.length} conversations, ${timers.length} SLA timers fired once each`,
        );
      });
    } finally {
      if (server) {
        const output = server.stderr();
        await server.crash();
        if (output) console.log(`[R1 ${backend}] server stderr:\n${output.slice(-4000)}`);
      }
      await db.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
