import type { Router } from '@koa/router';
import type Koa from 'koa';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { createApp, type AppOptions } from '../../src/http/app.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

/** A logger whose JSON lines are kept in memory. */
export function captureLogger(level: 'trace' | 'debug' | 'info' = 'debug'): {
  logger: Logger;
  lines: string[];
  records: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

export interface TestApp {
  app: Koa<AppState>;
  url: string;
  server: RunningServer;
  metrics: Metrics;
  lines: string[];
  records: () => Record<string, unknown>[];
  close: () => Promise<void>;
}

type TestAppOptions = Partial<Omit<AppOptions, 'logger' | 'metrics'>> & {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any router shape
  routers?: Router<any, any>[];
  shutdownTimeoutMs?: number;
  /** A captureLogger() to log through instead of a fresh one (to wrap or inspect the logger). */
  capture?: ReturnType<typeof captureLogger>;
};

/** The real app on 127.0.0.1 and an ephemeral port (supertest is not installed; tests use fetch). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { logger, lines, records } = options.capture ?? captureLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createApp({ checkHealth: async () => {}, ...options, logger, metrics });
  const server = await startServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
  });
  return { app, url: server.url, server, metrics, lines, records, close: () => server.close() };
}

/** Access-log records arrive on the response's `close` event, a moment after fetch resolves. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 2000,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > until) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
