/**
 * `bangban_hotline12345_dispatch_rate{item, period}` (0–1, R-12345 target 0.1) and the counts
 * behind it, computed at scrape time for today and this month (Shanghai). item="all" is every item.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DispatchRateReport, HotlineFlows } from '../../src/flows/hotline-types.ts';
import type { Clock } from '../../src/ports.ts';
import { dayStart, monthStart } from './shanghai-periods.ts';

export function registerDispatchRateGauges(registry: Registry, hotline: HotlineFlows, clock: Clock): void {
  if (registry.getSingleMetric('bangban_hotline12345_dispatch_rate')) return;
  const read = async (): Promise<{ period: string; report: DispatchRateReport }[]> => {
    const now = clock.now();
    const periods = [
      { period: 'day', from: dayStart(now) },
      { period: 'month', from: monthStart(now) },
    ];
    return Promise.all(
      periods.map(async ({ period, from }) => ({
        period,
        report: await hotline.dispatchRate({ from, to: new Date(now.getTime() + 1) }, { log: false }),
      })),
    );
  };
  let shared: Promise<{ period: string; report: DispatchRateReport }[]> | null = null;
  // Both gauges are collected in one scrape: one query round serves them.
  const once = () => {
    shared ??= read().finally(() => setImmediate(() => (shared = null)));
    return shared;
  };
  new Gauge({
    name: 'bangban_hotline12345_dispatch_rate',
    help: 'Human-helped conversations pushed to 12345 / human-helped conversations (handed off in the period)',
    labelNames: ['item', 'period'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { period, report } of await once())
        for (const row of [report.total, ...report.items])
          if (row.rate !== null) this.set({ item: row.itemId ?? 'all', period }, row.rate);
    },
  });
  new Gauge({
    name: 'bangban_hotline12345_conversations',
    help: 'Human-helped conversations (kind="human_helped") and those pushed to 12345 (kind="pushed")',
    labelNames: ['item', 'period', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { period, report } of await once())
        for (const row of [report.total, ...report.items]) {
          const item = row.itemId ?? 'all';
          this.set({ item, period, kind: 'human_helped' }, row.humanHelped);
          this.set({ item, period, kind: 'pushed' }, row.pushed);
        }
    },
  });
}
