import type { Config } from '../config/config-types.ts';
import type { WorkCalendar } from '../core/calendar.ts';
import type { ChannelGateway, Clock, KbGapRecorder } from '../ports.ts';
import type { FlowStore } from './repositories.ts';

/** The KB entry fields the flow uses (src/kb's KbEntry fits). */
export interface KbEntryRef {
  id: string;
  /** Service item id, or `general`. */
  item: string;
  /** The bare answer, without the bot's closing question. */
  answer?: string;
}

/** 小申's decision for one question (src/kb `KnowledgeBase.answer` fits). */
export type KbDecision =
  | { decision: 'answer'; entry: KbEntryRef; text: string; score: number }
  /** For `out_of_scope` the KB may name a referral entry whose answer says which agency handles it. */
  | { decision: 'handoff'; reason: string; entry?: KbEntryRef };

/** The knowledge base as the flow sees it; tests pass a fake. */
export interface FlowKb {
  answer(question: string, context: { item?: string; channel?: string }): KbDecision | Promise<KbDecision>;
}

/** What a timer handler receives (src/jobs FiringTimer fits). */
export interface FiringTimerView {
  key: string;
  kind: string;
  payload: unknown;
  dueAt: Date;
  attempt: number;
}

/** Where the flow registers its timer handlers (src/jobs TimerRunner fits). */
export interface TimerRegistry {
  register(kind: string, handler: (timer: FiringTimerView) => Promise<void>): unknown;
  /** Timers of `kind` claimed together, in one call; resolves with each one's outcome (null = done). */
  registerBatch(
    kind: string,
    handler: (timers: FiringTimerView[]) => Promise<readonly (string | null)[]>,
  ): unknown;
}

/** pino-compatible. */
export interface FlowLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Random ids, injectable so tests can force collisions. */
export interface IdSource {
  conversationId(): string;
  /** A short code of `length` characters from the unambiguous alphabet. */
  code(length: number): string;
}

export interface FlowDeps {
  /** `createFlowStore(database)` from src/storage/repositories. */
  store: FlowStore;
  config: Config;
  calendar: WorkCalendar;
  clock: Clock;
  kb: FlowKb;
  gateway: ChannelGateway;
  /** The process's TimerRunner; createFlows registers the kinds in FLOW_TIMER_KINDS on it. */
  timers: TimerRegistry;
  logger?: FlowLogger;
  ids?: IdSource;
  /** The KB gap backlog; without it gaps are only visible as events. */
  gaps?: KbGapRecorder;
}
