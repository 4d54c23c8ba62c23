/**
 * The 12345 gateway wired as createBangban wires it — the platform entry, real flows and storage,
 * the real outbox runner (run by hand on a ManualClock) — against the loopback fake 12345 server,
 * behind the real Koa app (callback and admin routes, /metrics).
 */
import { eq, sql } from 'drizzle-orm';
import { ManualClock } from '../../../src/clock.ts';
import { calendarFromConfig } from '../../../src/config/calendar-from-config.ts';
import type { Config } from '../../../src/config/config-types.ts';
import { createDeskAuth } from '../../../src/desk/desk-auth.ts';
import { loadDeskSecret } from '../../../src/desk/desk-secret.ts';
import { createFlows } from '../../../src/flows/create-flows.ts';
import type { HotlineFlows } from '../../../src/flows/hotline-types.ts';
import type { Flows } from '../../../src/flows/types.ts';
import { createApp } from '../../../src/http/app.ts';
import { startServer, type RunningServer } from '../../../src/http/server.ts';
import { OutboxRunner } from '../../../src/jobs/outbox-runner.ts';
import { TimerRunner } from '../../../src/jobs/timer-runner.ts';
import { createMetrics, type Metrics } from '../../../src/metrics.ts';
import type { Router } from '@koa/router';
import { createFlowStore } from '../../../src/storage/repositories/create-flow-store.ts';
import {
  conversations,
  hotlineTicketEvents,
  hotlineTickets,
  outbox,
} from '../../../src/storage/schema/index.ts';
import {
  hotline12345Platform,
  type HotlinePlatformOptions,
} from '../../../adapters/hotline-12345/platform.ts';
import { FakeChannelGateway } from '../../fakes/fake-channel-gateway.ts';
import { startFakeHotline, type FakeHotline } from '../../fakes/hotline-12345/fake-hotline-server.ts';
import { fakeKb, FRIDAY_10AM, PREP_MATERIALS } from '../../flows/flow-harness.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { captureLogger } from '../../http/test-app.ts';

export const APP_ID = 'bangban-test';
export const SECRET = 'bangban-12345-test-secret';
export const PREP_ITEM = 'preparation-registration';

export function hotlineEnv(fake: { url: string }): Record<string, string> {
  return { HOTLINE_12345_BASE_URL: fake.url, HOTLINE_12345_APP_ID: APP_ID, HOTLINE_12345_SECRET: SECRET };
}

export interface HotlineHarness {
  clock: ManualClock;
  fake: FakeHotline;
  flows: Flows;
  hotline: HotlineFlows;
  outbox: OutboxRunner;
  timers: TimerRunner;
  gateway: FakeChannelGateway;
  metrics: Metrics;
  url: string;
  status: string;
  logs: () => Record<string, unknown>[];
  /** Citizen `user` handed off about 医疗机构制剂注册 (assigned to zhang-wei on a Friday morning). */
  handOff(user: string): Promise<string>;
  /** zhang-wei pushes his current conversation to 12345; resolves with the agency ticket number. */
  push(user: string, reason?: string): Promise<string>;
  /** Runs the outbox (and the flows' background work) until nothing is due now. */
  settle(): Promise<void>;
  /** Moves the clock in `stepMs` steps for `ms`, delivering what falls due. */
  advance(ms: number, stepMs?: number): Promise<void>;
  ticket(ticketNo: string): Promise<typeof hotlineTickets.$inferSelect>;
  events(ticketNo: string): Promise<(typeof hotlineTicketEvents.$inferSelect)[]>;
  conversationOf(user: string): Promise<typeof conversations.$inferSelect>;
  outboxRows(): Promise<(typeof outbox.$inferSelect)[]>;
  /** A desk bearer token for a staff member. */
  deskToken(staffId: string): Promise<string>;
  callbackUrl: string;
  close(): Promise<void>;
}

let externalIds = 0;

export async function startHotlineHarness(
  database: TestDatabase,
  config: Config,
  options: { on?: boolean; start?: string; fake?: FakeHotline; dataDir: string } = { dataDir: '' },
): Promise<HotlineHarness> {
  const clock = new ManualClock(options.start ?? FRIDAY_10AM);
  const fake =
    options.fake ??
    (await startFakeHotline({ appId: APP_ID, secret: SECRET, now: () => clock.now().getTime() }));
  const { logger, records } = captureLogger();
  const outboxRunner = new OutboxRunner({
    database,
    clock,
    listen: false,
    logger,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    random: () => 0.5,
  });
  const timers = new TimerRunner({ database, clock, listen: false, logger });
  const gateway = new FakeChannelGateway();
  const metrics = createMetrics({ defaultMetrics: false });
  const env = options.on === false ? {} : hotlineEnv(fake);
  const platformOptions: HotlinePlatformOptions = {
    env: { ...env, BANGBAN_DESK_SECRET: 'x'.repeat(40) },
    config,
    database,
    outbox: outboxRunner,
    clock,
    logger,
    media: { put: async () => 'media:none', get: async () => null },
    metrics,
  };
  const instance = await hotline12345Platform.create(platformOptions);
  const flows = createFlows({
    store: createFlowStore(database),
    config,
    calendar: calendarFromConfig(config),
    clock,
    kb: fakeKb([PREP_MATERIALS]),
    gateway,
    timers,
    logger,
  });
  const routers = (instance.connect?.({
    flows,
    notifyStaff: (id, n) => gateway.notifyStaff(id, n),
    sendToCitizen: (to, m) => gateway.sendToCitizen(to, m),
  }) ?? []) as Router[];
  const app = createApp({ logger, metrics, checkHealth: async () => {}, routers });
  const server: RunningServer = await startServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    shutdownTimeoutMs: 500,
  });
  const auth = createDeskAuth({
    database,
    clock,
    loginSecret: await loadDeskSecret({ env: platformOptions.env, dataDir: options.dataDir }),
  });

  const say = (user: string, text: string) =>
    flows.handleInbound({
      channel: 'webchat',
      channelUserId: user,
      senderRole: 'citizen',
      externalId: `hotline-${process.pid}-${++externalIds}`,
      kind: 'text',
      text,
    });
  const conversationOf = async (user: string) => {
    const rows = await database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, user))
      .orderBy(sql`${conversations.createdAt} desc`);
    return rows[0]!;
  };
  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      await flows.idle();
      const handled = await outboxRunner.runNow();
      await flows.idle();
      if (handled === 0) return;
    }
  };

  return {
    clock,
    fake,
    flows,
    hotline: flows.hotline!,
    outbox: outboxRunner,
    timers,
    gateway,
    metrics,
    url: server.url,
    callbackUrl: `${server.url}/callbacks/12345`,
    status: instance.status,
    logs: records,
    async handOff(user) {
      await say(user, '我要投诉审批太慢，材料已经交了一个月');
      await say(user, '转人工');
      await say(user, '1');
      return (await conversationOf(user)).id;
    },
    async push(user, reason = '涉及跨部门协调') {
      const conversation = await conversationOf(user);
      const result = await flows.staffInput({
        staffId: conversation.assigneeId ?? 'zhang-wei',
        text: `/12345 ${reason}`,
        conversationId: conversation.id,
      });
      if (!result.ok) throw new Error(`push failed: ${JSON.stringify(result)}`);
      const [ticket] = await database.db
        .select()
        .from(hotlineTickets)
        .where(eq(hotlineTickets.conversationId, conversation.id))
        .orderBy(sql`${hotlineTickets.sequence} desc`);
      return ticket!.ticketNo;
    },
    settle,
    async advance(ms, stepMs = 250) {
      for (let passed = 0; passed < ms; passed += stepMs) {
        clock.advance(stepMs);
        await timers.runNow();
        await settle();
      }
    },
    async ticket(ticketNo) {
      const [row] = await database.db
        .select()
        .from(hotlineTickets)
        .where(eq(hotlineTickets.ticketNo, ticketNo));
      return row!;
    },
    events: (ticketNo) =>
      database.db
        .select()
        .from(hotlineTicketEvents)
        .where(eq(hotlineTicketEvents.ticketNo, ticketNo))
        .orderBy(hotlineTicketEvents.id),
    conversationOf,
    outboxRows: () => database.db.select().from(outbox).orderBy(outbox.id),
    async deskToken(staffId) {
      const session = await auth.startSession(staffId);
      if (!session) throw new Error(`no desk session for ${staffId}`);
      return session.token;
    },
    async close() {
      await flows.idle();
      await server.close();
      if (!options.fake) await fake.close();
    },
  };
}

/** Empties the flow and 12345 tables between tests (TRUNCATE skips the append-only trigger). */
export async function clearTables(database: TestDatabase): Promise<void> {
  await database.db.execute(
    sql`truncate table hotline_ticket_events, hotline_tickets, citizen_prompts, conversation_flow, staff_desk_state, messages, conversation_events, conversations, inbox, outbox, timers restart identity cascade`,
  );
}
