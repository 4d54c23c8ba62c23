/**
 * The composition root: reads nothing itself — it takes the parsed config — builds every part
 * once, wires them together, and starts/stops them in order. `bangban start` and the end-to-end
 * tests call `createBangban`.
 */
import path from 'node:path';
import type Koa from 'koa';
import { systemClock } from './clock.ts';
import { calendarFromConfig, type Config } from './config/index.ts';
import type { WorkCalendar } from './core/calendar.ts';
import { createMediaStore } from '../adapters/webchat/media-store.ts';
import { createWebchatGateway } from '../adapters/webchat/webchat-gateway.ts';
import { createWebchatHub } from '../adapters/webchat/webchat-hub.ts';
import { createWebchatRouter } from '../adapters/webchat/webchat-router.ts';
import { createDeskAuth } from './desk/desk-auth.ts';
import { createDeskGateway, createDeskHub } from './desk/desk-hub.ts';
import { createDeskRouter } from './desk/desk-router.ts';
import { loadDeskSecret } from './desk/desk-secret.ts';
import { createStartPageRouter } from './desk/start-page.ts';
import { openApiRouter } from './http/openapi.ts';
import { createFileMediaStore, isMediaRef } from './media/file-media-store.ts';
import { checkPlatformSettings, createPlatformChannels } from './platform-channels.ts';
import { createChannelRouter, type CitizenSender, type StaffNotifier } from './channel-router.ts';
import type { Channel } from './core/inbound.ts';
import { createFlows } from './flows/create-flows.ts';
import type { Flows } from './flows/types.ts';
import { createApp } from './http/app.ts';
import type { AppState } from './http/app-state.ts';
import { startServer, type RunningServer } from './http/server.ts';
import { OutboxRunner, TimerRunner } from './jobs/index.ts';
import { type KnowledgeBase } from './kb/answer.ts';
import { recordGap } from './kb/gap-backlog.ts';
import { followKbChanges, loadKnowledgeBase } from './kb/store-knowledge-base.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { Clock, KbGapReason, MediaStore } from './ports.ts';
import { migrate, openDatabase, type Database } from './storage/index.ts';
import { createFlowStore, syncConfigToDatabase } from './storage/repositories/index.ts';

export interface BangbanOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Extra channels (tests and benches pass loopback fakes; platform adapters add theirs). */
  citizenChannels?: Partial<Record<Channel, CitizenSender>>;
  staffNotifiers?: readonly StaffNotifier[];
  /**
   * Demo mode (`bangban start --demo`, what `npm start` runs): every item is staffed around the
   * clock and the start page offers one-click desk logins. Never in production.
   */
  demo?: boolean;
  /** Environment for secrets (BANGBAN_DESK_SECRET …); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * An open database to use instead of opening `server.databaseUrl` or the PGlite folder (tests
   * pass a copy of a migrated template). It is still migrated, and `close()` closes it.
   */
  database?: Database;
}

export interface Bangban {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  calendar: WorkCalendar;
  /** The 小申 bot's knowledge base (published entries; seeded from config/kb on an empty database). */
  kb: KnowledgeBase;
  timers: TimerRunner;
  outbox: OutboxRunner;
  /** The helper flow: the one door for inbound messages and staff input. */
  flows: Flows;
  app: Koa<AppState>;
  /** Starts the background runners and the HTTP server. */
  listen(): Promise<RunningServer>;
  /** Media crossing channels (`media:<id>` refs). */
  media: MediaStore;
  /** Stops the HTTP server, the runners, and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Years the calendar should already know about: this one and, from November on, the next. */
function calendarWarnings(calendar: WorkCalendar, clock: Clock): string[] {
  const now = clock.now();
  const year = Number(
    new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now),
  );
  const month = Number(
    new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', month: 'numeric' }).format(now),
  );
  const needed = month >= 11 ? [year, year + 1] : [year];
  return needed
    .filter((y) => !calendar.hasDataForYear(y))
    .map(
      (y) =>
        `no holiday data for ${y}: add calendar.years.${y} (holidays and make-up workdays) to the config`,
    );
}

export async function createBangban(options: BangbanOptions): Promise<Bangban> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.server.logLevel });
  const env = options.env ?? process.env;
  // Settings that can be wrong are checked before the database is opened, so a failed start leaves
  // nothing open behind it.
  checkPlatformSettings(env, config);
  const loginSecret = await loadDeskSecret({ env, dataDir: config.server.dataDir });
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.server.databaseUrl,
      dataDir: config.server.dataDir,
      logger,
    }));
  let kb: KnowledgeBase;
  try {
    const migrated = await migrate(database);
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'database migrated');
    const loaded = await loadKnowledgeBase(database.db, { clock });
    kb = loaded.kb;
    if (loaded.seeded > 0) logger.info({ entries: loaded.seeded }, 'knowledge base seeded from config/kb');
    // Conversations and desk state point at items and staff, so the organisation goes in first.
    await syncConfigToDatabase(database.db, config);
  } catch (error) {
    await database.close();
    throw error;
  }

  const demo = options.demo === true;
  const calendar = calendarFromConfig(config, { demo });
  const metrics = createMetrics();
  // Handlers take milliseconds; a short lease means a crashed instance's claimed reminders are
  // retried within 10 s, well before the 60 s breach they precede.
  const timers = new TimerRunner({ database, clock, logger, leaseMs: 10_000 });
  const outbox = new OutboxRunner({ database, clock, logger });
  // The website widget and the staff desk are always on; platform channels add themselves.
  const webchatHub = createWebchatHub({ database, logger });
  const deskHub = createDeskHub({ database, logger });
  const media = createMediaStore(path.join(config.server.dataDir, 'uploads', 'webchat'));
  // Media crossing channels (a citizen's WeChat photo to a helper in WeCom …) goes through this store.
  const sharedMedia = createFileMediaStore(path.join(config.server.dataDir, 'media'));
  const platforms = await createPlatformChannels({
    env,
    config,
    database,
    outbox,
    clock,
    logger,
    media: sharedMedia,
    metrics,
  });
  for (const line of platforms.status) logger.info(line);
  const gateway = createChannelRouter({
    citizens: {
      webchat: createWebchatGateway({ hub: webchatHub }),
      ...platforms.citizens,
      ...options.citizenChannels,
    },
    staff: [createDeskGateway({ hub: deskHub }), ...platforms.staff, ...(options.staffNotifiers ?? [])],
    logger,
  });
  // createFlows registers its timer handlers, so it must run before timers.start().
  const gaps = {
    async recordGap(input: {
      question: string;
      item: string | null;
      conversationId: string;
      reason: KbGapReason;
    }) {
      const { item, ...rest } = input;
      await recordGap(database.db, { ...rest, item: item ?? 'general' }, { clock, calendar });
    },
  };
  const flows = createFlows({
    store: createFlowStore(database),
    config,
    calendar,
    clock,
    kb,
    gateway,
    timers,
    logger,
    gaps,
  });
  const auth = createDeskAuth({
    database,
    clock,
    loginSecret,
  });
  const routers = [
    createWebchatRouter({
      database,
      flows,
      clock,
      logger,
      hub: webchatHub,
      media,
      sharedMedia,
      itemIds: config.items.map((i) => i.id),
    }),
    createDeskRouter({
      database,
      flows,
      auth,
      hub: deskHub,
      clock,
      demo,
      // Widget uploads from their folder; `media:` refs (a helper's WeCom image …) from the shared store.
      resolveMedia: async (ref) => {
        if (!isMediaRef(ref)) return media.open(ref);
        const file = await sharedMedia.get(ref);
        return file && { contentType: file.contentType, body: file.bytes, fileName: file.fileName };
      },
    }),
    openApiRouter(),
    createStartPageRouter({ staff: config.staff, items: config.items, demo }),
    ...platforms.connect({
      flows,
      notifyStaff: (id, n) => gateway.notifyStaff(id, n),
      sendToCitizen: (to, m) => gateway.sendToCitizen(to, m),
    }),
  ];

  const app = createApp({
    logger,
    metrics,
    checkHealth: () => database.healthCheck(),
    healthInfo: () => ({ database: database.kind, warnings: calendarWarnings(calendar, clock) }),
    routers,
  });
  for (const warning of calendarWarnings(calendar, clock)) logger.warn(warning);

  let server: RunningServer | null = null;
  let stopFollowingKb: (() => Promise<void>) | null = null;
  let closing: Promise<void> | null = null;
  return {
    config,
    logger,
    metrics,
    database,
    calendar,
    kb,
    timers,
    outbox,
    flows,
    app,
    media: sharedMedia,
    async listen() {
      // Imports and status changes (from the CLI or another instance) reach the bot's index live.
      stopFollowingKb = await followKbChanges(database, kb, (error) =>
        logger.error({ err: error }, 'a KB change could not be applied to the index'),
      );
      await webchatHub.start();
      await deskHub.start();
      await timers.start();
      await outbox.start();
      // Messages acknowledged but not processed before a crash are processed now.
      const recovered = await flows.recoverInbox();
      if (recovered > 0) logger.warn({ recovered }, 'processed inbox rows left over from an earlier run');
      server = await startServer(app, { port: config.server.port, host: config.server.host, logger });
      return server;
    },
    close() {
      closing ??= (async () => {
        // Live streams (SSE) would hold the HTTP close for its whole timeout: end them first.
        await stopFollowingKb?.();
        await webchatHub.close();
        await deskHub.close();
        await server?.close();
        await platforms.close();
        await flows.idle();
        await timers.stop();
        await outbox.stop();
        await database.close();
      })();
      return closing;
    },
  };
}
