import type { Router } from '@koa/router';
import type { AppState } from './app-state.ts';

/** Extra facts for a healthy answer; `warnings` name things an operator should fix soon. */
export interface HealthReport {
  /** e.g. "no holiday data for 2027: add calendar.years.2027 to the config" */
  warnings?: string[];
  [key: string]: unknown;
}

export interface HealthOptions {
  /** Resolves when the database answers; rejects (or hangs past the timeout) when it does not. */
  checkHealth: () => Promise<void>;
  healthInfo?: () => HealthReport | Promise<HealthReport>;
  /** A probe that hangs is as bad as one that fails; default 5 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** Adds `GET /healthz`: 200 `{ status: 'ok', warnings, … }` or 503 `{ status: 'unavailable', error }`. */
export function addHealthRoute(router: Router<AppState>, options: HealthOptions): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await withTimeout(options.checkHealth(), timeoutMs);
    } catch (error) {
      ctx.state.log.warn({ err: error }, 'health check failed');
      ctx.status = 503;
      ctx.body = {
        status: 'unavailable',
        error: { code: 'storage_unavailable', message: 'Storage is not reachable' },
      };
      return;
    }
    const report = await healthReport(options.healthInfo, ctx.state.log);
    ctx.body = { ...report, status: 'ok', warnings: report.warnings ?? [] };
  });
}

async function healthReport(
  healthInfo: HealthOptions['healthInfo'],
  log: AppState['log'],
): Promise<HealthReport> {
  if (!healthInfo) return {};
  try {
    return await healthInfo();
  } catch (error) {
    // The database answered, so the service is up; the missing extras are a warning, not an outage.
    log.warn({ err: error }, 'health info failed');
    return { warnings: ['health details could not be collected'] };
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`health check did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
