/**
 * A helper flow wired to real storage (PGlite / PostgreSQL), a ManualClock, a TimerRunner fired by
 * hand, a fake KB and a recording gateway, so a 60-second SLA runs in milliseconds.
 */
import type { KbGapRecorder } from '../../src/ports.ts';
import { sql } from 'drizzle-orm';
import { beforeAll, beforeEach } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { calendarFromConfig } from '../../src/config/calendar-from-config.ts';
import type { Config } from '../../src/config/config-types.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import type { InboundMessage } from '../../src/core/inbound.ts';
import { createFlows } from '../../src/flows/create-flows.ts';
import type { FlowKb, IdSource, KbDecision } from '../../src/flows/flow-deps.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { KnowledgeBase } from '../../src/kb/answer.ts';
import { TimerRunner } from '../../src/jobs/timer-runner.ts';
import type { Database } from '../../src/storage/database.ts';
import { createFlowStore } from '../../src/storage/repositories/create-flow-store.ts';
import { syncConfigToDatabase } from '../../src/storage/repositories/sync-config-to-database.ts';
import { defaultRaw } from '../config/fixtures.ts';
import { FakeChannelGateway } from '../fakes/fake-channel-gateway.ts';
import { useTestDatabase, type Backend, type TestDatabase } from '../helpers/db.ts';

/** Friday 2026-11-27 10:00 in Shanghai: a working day, morning shift of every item. */
export const FRIDAY_10AM = '2026-11-27T02:00:00Z';
export const PREP = 'preparation-registration';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawConfig = Record<string, any>;

/** config/default.yaml, optionally edited, validated like the real thing. */
export function testConfig(edit?: (raw: RawConfig) => void): Config {
  const raw = defaultRaw();
  edit?.(raw);
  return parseConfig(raw, {}, 'test-config');
}

export const KB_CLOSING = '是否解决了您的问题？回复 1 已解决 / 2 转人工';

export interface FakeEntry {
  match: string;
  id: string;
  item: string;
  answer: string;
  /** Answered as out_of_scope with this referral entry. */
  referral?: boolean;
}

/** A KB that answers questions containing an entry's `match` and hands off otherwise. */
export function fakeKb(entries: FakeEntry[]): FlowKb & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    answer(question): KbDecision {
      asked.push(question);
      const entry = entries.find((e) => question.includes(e.match));
      if (!entry) return { decision: 'handoff', reason: 'low_confidence' };
      if (entry.referral)
        return {
          decision: 'handoff',
          reason: 'out_of_scope',
          entry: { id: entry.id, item: entry.item, answer: entry.answer },
        };
      return {
        decision: 'answer',
        entry: { id: entry.id, item: entry.item, answer: entry.answer },
        text: `${entry.answer}\n\n${KB_CLOSING}`,
        score: 0.9,
      };
    },
  };
}

export const PREP_MATERIALS: FakeEntry = {
  match: '制剂注册需要',
  id: 'preparation-registration.materials',
  item: PREP,
  answer: '医疗机构制剂注册需提交申请表、制剂处方及工艺资料。',
};

export const SOCIAL_SECURITY_REFERRAL: FakeEntry = {
  match: '社保',
  id: 'general.referral-social-security',
  item: 'general',
  answer: '社保业务请咨询市人社局（12333）。',
  referral: true,
};

// Compile-time proof that the real knowledge base plugs into the flow's port.
export const kbFitsPort = (kb: KnowledgeBase): FlowKb => kb;

export interface Harness {
  flows: Flows;
  clock: ManualClock;
  gateway: FakeChannelGateway;
  runner: TimerRunner;
  database: TestDatabase;
  config: Config;
  kb: ReturnType<typeof fakeKb>;
  /** What the flow put into the KB gap backlog, in order. */
  gaps: Parameters<KbGapRecorder['recordGap']>[0][];
  /** Builds a citizen message with a fresh external id. */
  citizen(user: string, text: string, extra?: Partial<InboundMessage>): InboundMessage;
  /** Citizen says something and it is fully processed. */
  say(user: string, text: string): Promise<void>;
  /** Lets `seconds` pass and fires every timer due by then. */
  advance(seconds: number): Promise<void>;
  /** Another Flows on the same database (a second server process, when `database` is another connection). */
  another(database?: Database): { flows: Flows; runner: TimerRunner };
}

let externalIds = 0;

export function buildHarness(
  database: TestDatabase,
  config: Config,
  options: { ids?: IdSource; start?: string } = {},
): Harness {
  const clock = new ManualClock(options.start ?? FRIDAY_10AM);
  const gateway = new FakeChannelGateway();
  const kb = fakeKb([PREP_MATERIALS, SOCIAL_SECURITY_REFERRAL]);
  const calendar = calendarFromConfig(config);
  const gaps: Harness['gaps'] = [];
  const wire = (db: Database) => {
    const runner = new TimerRunner({ database: db, clock, listen: false });
    const flows = createFlows({
      store: createFlowStore(db),
      config,
      calendar,
      clock,
      kb,
      gateway,
      timers: runner,
      gaps: { recordGap: async (gap) => void gaps.push(gap) },
      ...(options.ids ? { ids: options.ids } : {}),
    });
    return { flows, runner };
  };
  const { flows, runner } = wire(database);
  const citizen = (user: string, text: string, extra: Partial<InboundMessage> = {}): InboundMessage =>
    ({
      channel: 'webchat',
      channelUserId: user,
      senderRole: 'citizen',
      externalId: `m${++externalIds}`,
      kind: 'text',
      text,
      ...extra,
    }) as InboundMessage;
  return {
    flows,
    clock,
    gateway,
    runner,
    database,
    config,
    kb,
    gaps,
    citizen,
    async say(user, text) {
      await flows.handleInbound(citizen(user, text));
    },
    async advance(seconds) {
      clock.advance(seconds * 1000);
      await runner.runNow();
      await flows.idle();
    },
    another: (db = database) => wire(db),
  };
}

/** Removes every conversation and queue row (TRUNCATE skips the append-only trigger, which guards rows). */
export async function clearFlowTables(database: Database): Promise<void> {
  await database.db.execute(
    sql`truncate table citizen_prompts, conversation_flow, staff_desk_state, messages, conversation_events, conversations, inbox, outbox, timers restart identity cascade`,
  );
}

/** One database per describe block, organisation synced from the config, flow tables emptied before each test. */
export function useFlowHarness(backend: Backend, config: Config = testConfig()): { readonly h: Harness } {
  const test = useTestDatabase(backend);
  let current: Harness | undefined;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    current = buildHarness(test.database, config);
  });
  return {
    get h(): Harness {
      if (!current) throw new Error('useFlowHarness: only inside tests');
      return current;
    },
  };
}
