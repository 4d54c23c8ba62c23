/**
 * 12345 dispatch rate (ARCHITECTURE.md §7, R-12345): human-helped conversations pushed to 12345 ÷
 * human-helped conversations, per item and for all items, over conversations handed off in
 * [from, to). Above sla.targets.max12345Rate (10 %) it warns.
 */
import type { FlowContext } from './flow-context.ts';
import type { DispatchRateItem, DispatchRateReport, DispatchRateRow } from './hotline-types.ts';

export async function dispatchRate(
  ctx: FlowContext,
  range: { from: Date; to: Date },
  options: { log?: boolean } = {},
): Promise<DispatchRateReport> {
  const target = ctx.config.sla.targets.max12345Rate;
  const rows = await ctx.store.hotline.dispatchRate(range);
  const toItem = (row: DispatchRateRow): DispatchRateItem => {
    const rate = row.humanHelped > 0 ? row.pushed / row.humanHelped : null;
    return {
      itemId: row.itemId,
      itemName: row.itemId === null ? null : (ctx.org.item(row.itemId)?.name ?? null),
      humanHelped: row.humanHelped,
      pushed: row.pushed,
      rate,
      aboveTarget: rate !== null && rate > target,
    };
  };
  const total = toItem(
    rows.find((row) => row.itemId === null) ?? { itemId: null, humanHelped: 0, pushed: 0 },
  );
  const items = rows.filter((row) => row.itemId !== null).map(toItem);
  const percent = (rate: number | null) => `${((rate ?? 0) * 100).toFixed(1)}%`;
  const warnings = [total, ...items]
    .filter((item) => item.aboveTarget)
    .map(
      (item) =>
        `12345 dispatch rate ${percent(item.rate)} (${item.pushed}/${item.humanHelped}) ` +
        `${item.itemId === null ? 'for all items' : `for ${item.itemName ?? item.itemId}`} ` +
        `is above the ${percent(target)} target`,
    );
  if (options.log !== false)
    for (const warning of warnings)
      ctx.logger.warn({ from: range.from.toISOString(), to: range.to.toISOString() }, warning);
  return { from: range.from, to: range.to, target, total, items, warnings };
}
