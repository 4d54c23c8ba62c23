/**
 * The composition root: reads nothing itself — it takes the parsed config — builds every part
 * once, wires them together, and starts/stops them in order. `bangban start` and the end-to-end
 * tests call `createBangban`.
 */
import type Koa from 'koa';
import type { Router } from '@koa/router';
import { systemClock } from './clock.ts';
import { calendarFromConfig, type Config } from './config/index.ts';
import type { WorkCalendar } from './core/calendar.ts';
import { createApp } from './http/app.ts';
import type { AppState } from './http/app-state.ts';
import { startServer, type RunningServer } from './http/server.ts';
import { OutboxRunner, TimerRunner } from './jobs/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { Clock } from './ports.ts';
import { migrate, openDatabase, type Database } from './storage/index.ts';

export interface BangbanOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
}

export interface Bangban {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  calendar: WorkCalendar;
  timers: TimerRunner;
  outbox: OutboxRunner;
  app: Koa<AppState>;
  /** Starts the background runners and the HTTP server. */
  listen(): Promise<RunningServer>;
  /** Stops the HTTP server, the runners, and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Years the calendar should already know about: this one and, from November on, the next. */
function calendarWarnings(calendar: WorkCalendar, clock: Clock): string[] {
  const now = clock.now();
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
  const month = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', month: 'numeric' }).format(now));
  const needed = month >= 11 ? [year, year + 1] : [year];
  return needed
    .filter((y) => !calendar.hasDataForYear(y))
    .map((y) => `no holiday data for ${y}: add calendar.years.${y} (holidays and make-up workdays) to the config`);
}

export async function createBangban(options: BangbanOptions): Promise<Bangban> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.server.logLevel });
  const database = await openDatabase({
    databaseUrl: config.server.databaseUrl,
    dataDir: config.server.dataDir,
    logger,
  });
  try {
    const migrated = await migrate(database);
    if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'database migrated');
  } catch (error) {
    await database.close();
    throw error;
  }

  const calendar = calendarFromConfig(config);
  const metrics = createMetrics();
  const timers = new TimerRunner({ database, clock, logger });
  const outbox = new OutboxRunner({ database, clock, logger });
  const routers: Router<AppState>[] = [];

  const app = createApp({
    logger,
    metrics,
    checkHealth: () => database.healthCheck(),
    healthInfo: () => ({ database: database.kind, warnings: calendarWarnings(calendar, clock) }),
    routers,
  });
  for (const warning of calendarWarnings(calendar, clock)) logger.warn(warning);

  let server: RunningServer | null = null;
  let closing: Promise<void> | null = null;
  return {
    config,
    logger,
    metrics,
    database,
    calendar,
    timers,
    outbox,
    app,
    async listen() {
      await timers.start();
      await outbox.start();
      server = await startServer(app, { port: config.server.port, host: config.server.host, logger });
      return server;
    },
    close() {
      closing ??= (async () => {
        await server?.close();
        await timers.stop();
        await outbox.stop();
        await database.close();
      })();
      return closing;
    },
  };
}
