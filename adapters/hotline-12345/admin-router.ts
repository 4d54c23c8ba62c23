/**
 * `GET /api/admin/hotline/dispatch-rate?from=&to=`: the 12345 dispatch rate (ARCHITECTURE.md §7)
 * per item and for all items over conversations handed off in [from, to). `from`/`to` are ISO
 * instants or Shanghai dates (`2026-11-01` = that day's 00:00 in Shanghai; `to` is exclusive);
 * default: this month in Shanghai up to now. Desk session (cookie or bearer) with the supervisor,
 * leader or admin role.
 */
import { Router } from '@koa/router';
import { AppError } from '../../src/core/errors.ts';
import { requireRole, requireStaff } from '../../src/desk/require-staff.ts';
import type { DeskAuth } from '../../src/desk/desk-auth.ts';
import type { DeskState } from '../../src/desk/desk-state.ts';
import type { DispatchRateReport, HotlineFlows } from '../../src/flows/hotline-types.ts';
import type { Clock } from '../../src/ports.ts';
import { monthStart } from './shanghai-periods.ts';

export const DISPATCH_RATE_PATH = '/api/admin/hotline/dispatch-rate';
const DISPATCH_RATE_ROLES = ['supervisor', 'leader', 'admin'] as const;
const MAX_RANGE_DAYS = 366;

export function createHotlineAdminRouter(options: {
  auth: DeskAuth;
  clock: Clock;
  hotline: HotlineFlows;
}): Router<DeskState> {
  const router = new Router<DeskState>();
  router.get(
    DISPATCH_RATE_PATH,
    requireStaff(options.auth),
    requireRole(...DISPATCH_RATE_ROLES),
    async (ctx) => {
      const now = options.clock.now();
      const from = parseInstant(ctx.query['from'], 'from') ?? monthStart(now);
      const to = parseInstant(ctx.query['to'], 'to') ?? now;
      if (from.getTime() >= to.getTime())
        throw new AppError('validation_failed', '`from` must be before `to`', { details: { field: 'from' } });
      if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000)
        throw new AppError('validation_failed', `the range may span at most ${MAX_RANGE_DAYS} days`, {
          details: { field: 'to' },
        });
      const report = await options.hotline.dispatchRate({ from, to });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = toJson(report);
    },
  );
  return router;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseInstant(value: unknown, field: string): Date | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '')
    throw new AppError('validation_failed', `\`${field}\` must be one ISO date or instant`, {
      details: { field },
    });
  const text = value.trim();
  const parsed = new Date(DATE.test(text) ? `${text}T00:00:00+08:00` : text);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text))
    throw new AppError('validation_failed', `\`${field}\` is not an ISO date or instant`, {
      details: { field },
    });
  return parsed;
}

function toJson(report: DispatchRateReport) {
  return {
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    target: report.target,
    total: report.total,
    items: report.items,
    warning: report.warnings.length > 0,
    warnings: report.warnings,
  };
}
