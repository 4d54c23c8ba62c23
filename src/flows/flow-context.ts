import type { Config } from '../config/config-types.ts';
import type { WorkCalendar } from '../core/calendar.ts';
import type { ChannelGateway, Clock, KbGapRecorder } from '../ports.ts';
import { randomIds } from './conversation-code.ts';
import { Effects } from './effects.ts';
import type { FlowDeps, FlowKb, FlowLogger, IdSource } from './flow-deps.ts';
import { createOrganisation, type Organisation } from './organisation.ts';
import type { FlowRepositories, FlowStore } from './repositories.ts';

/** Everything a flow step needs, built once by createFlows. */
export interface FlowContext {
  store: FlowStore;
  config: Config;
  calendar: WorkCalendar;
  clock: Clock;
  kb: FlowKb;
  gateway: ChannelGateway;
  logger: FlowLogger;
  ids: IdSource;
  org: Organisation;
  gaps: KbGapRecorder | null;
}

/** One step of work: the transaction's repositories, what to send after commit, and "now". */
export interface Step {
  tx: FlowRepositories;
  fx: Effects;
  at: Date;
}

const quietLogger: FlowLogger = { info() {}, warn() {}, error() {} };

export function createFlowContext(deps: FlowDeps): FlowContext {
  return {
    store: deps.store,
    config: deps.config,
    calendar: deps.calendar,
    clock: deps.clock,
    kb: deps.kb,
    gateway: deps.gateway,
    logger: deps.logger ?? quietLogger,
    ids: deps.ids ?? randomIds,
    org: createOrganisation(deps.config, deps.calendar),
    gaps: deps.gaps ?? null,
  };
}

/**
 * Handles a batch of timers in one transaction: their conversations are locked and read ahead in
 * a few statements (`preload`), then `handle` runs for each in turn, sharing the transaction, and
 * what they decided is sent after the commit. If the batch fails, each timer is tried again in its
 * own transaction, so one bad timer cannot hold back the others. Resolves with each timer's outcome.
 */
export async function inTimerBatch<T extends { payload: unknown }>(
  ctx: FlowContext,
  timers: readonly T[],
  options: { conversationIdOf: (timer: T) => string; eventTypes: readonly string[] },
  handle: (step: Step, timer: T) => Promise<void>,
): Promise<(string | null)[]> {
  const fx = new Effects();
  try {
    await ctx.store.transaction(async (tx) => {
      await tx.preload(timers.map(options.conversationIdOf), { eventTypes: options.eventTypes });
      const step = { tx, fx, at: ctx.clock.now() };
      for (const timer of timers) await handle(step, timer);
    });
  } catch (error) {
    ctx.logger.warn(
      { err: error instanceof Error ? error.message : String(error), timers: timers.length },
      'a timer batch failed; trying its timers one by one',
    );
    return Promise.all(
      timers.map((timer) =>
        inTransaction(ctx, (step) => handle(step, timer)).then(
          () => null,
          (failure: unknown) => (failure instanceof Error ? failure.message : String(failure)),
        ),
      ),
    );
  }
  await fx.flush(ctx.gateway, ctx.logger, ctx.gaps);
  return timers.map(() => null);
}

/** Runs `fn` in one transaction, then sends what it decided to send. */
export async function inTransaction<T>(ctx: FlowContext, fn: (step: Step) => Promise<T>): Promise<T> {
  const fx = new Effects();
  const result = await ctx.store.transaction((tx) => fn({ tx, fx, at: ctx.clock.now() }));
  await fx.flush(ctx.gateway, ctx.logger, ctx.gaps);
  return result;
}
