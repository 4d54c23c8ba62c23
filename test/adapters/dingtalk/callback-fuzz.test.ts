/**
 * Fuzzed headers and bodies on both DingTalk callbacks: every answer is a 4xx JSON error (or 200
 * for what is still a valid message), never a 5xx, and a rejected request stores nothing.
 */
import fc from 'fast-check';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotSign } from '../../../adapters/dingtalk/crypto.ts';
import { dingtalkSessions, inbox } from '../../../src/storage/schema/index.ts';
import { backends } from '../../helpers/db.ts';
import { APP_SECRET, startDingtalkHarness, type DingtalkHarness } from './dingtalk-harness.ts';

const runs = { numRuns: 120 };

describe.each(backends)('DingTalk callbacks under fuzzing on %s', (backend) => {
  let h: DingtalkHarness;
  beforeAll(async () => {
    h = await startDingtalkHarness(backend);
  }, 60_000);
  afterAll(() => h.close());

  const stored = async () => {
    const [rows] = await h.bangban.database.db
      .select({ n: count() })
      .from(inbox)
      .where(eq(inbox.channel, 'dingtalk'));
    const [sessions] = await h.bangban.database.db.select({ n: count() }).from(dingtalkSessions);
    return rows!.n + sessions!.n;
  };

  const send = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${h.url}${path}`, { method: 'POST', headers, body });

  async function expectRejected(res: Response) {
    expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as { error?: { code?: string } };
    expect(typeof json.error?.code).toBe('string');
  }

  it('random timestamp/sign headers and bodies → 4xx, nothing stored', async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.string(), fc.integer().map(String), fc.constant(String(Date.now()))), {
          nil: undefined,
        }),
        fc.option(fc.oneof(fc.string(), fc.base64String()), { nil: undefined }),
        fc.oneof(fc.string(), fc.json(), fc.constant('{"msgId":')),
        fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/json; charset=gbk'),
        async (timestamp, sign, body, type) => {
          const headers: Record<string, string> = { 'Content-Type': type };
          if (timestamp !== undefined && /^[\x20-\x7e]*$/.test(timestamp)) headers['timestamp'] = timestamp;
          if (sign !== undefined && /^[\x20-\x7e]*$/.test(sign)) headers['sign'] = sign;
          await expectRejected(await send('/callbacks/dingtalk', body, headers));
        },
      ),
      runs,
    );
    expect(await stored()).toBe(before);
  }, 120_000);

  it('correctly signed but malformed bodies → 400, nothing stored', async () => {
    const before = await stored();
    const valid = h.staffText('dt-zhangwei', '你好');
    const mutated = fc
      .tuple(
        fc.constantFrom(...Object.keys(valid)),
        fc.oneof(
          fc.constant(undefined),
          fc.constant(null),
          fc.integer(),
          fc.string(),
          fc.array(fc.string()),
          fc.object(),
        ),
      )
      .map(([key, value]) => ({ ...valid, msgId: `fuzz-${Math.random()}`, [key]: value }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.object().map((o) => JSON.stringify(o)),
          mutated.map((m) => JSON.stringify(m)),
        ),
        async (body) => {
          const timestamp = String(h.clock.now().getTime());
          const res = await send('/callbacks/dingtalk', body, {
            'Content-Type': 'application/json',
            timestamp,
            sign: robotSign(timestamp, APP_SECRET),
          });
          // A mutation can leave a valid message (e.g. an unknown extra value): that one is accepted.
          if (res.status === 200) return;
          await expectRejected(res);
        },
      ),
      runs,
    );
    // Accepted mutations may store; every rejected one must not. Re-check with only-invalid bodies:
    const afterMutations = await stored();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json().filter((j) => !j.includes('msgId')),
          fc.string(),
        ),
        async (body) => {
          const timestamp = String(h.clock.now().getTime());
          const res = await send('/callbacks/dingtalk', body, {
            'Content-Type': 'application/json',
            timestamp,
            sign: robotSign(timestamp, APP_SECRET),
          });
          await expectRejected(res);
        },
      ),
      runs,
    );
    expect(await stored()).toBe(afterMutations);
    expect(afterMutations).toBeGreaterThanOrEqual(before);
  }, 120_000);

  it('the events callback: random query and bodies → 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('signature', 'msg_signature', 'timestamp', 'timeStamp', 'nonce', 'x'),
          fc.string(),
        ),
        fc.oneof(
          fc.json(),
          fc.record({ encrypt: fc.oneof(fc.string(), fc.base64String()) }).map((o) => JSON.stringify(o)),
        ),
        async (query, body) => {
          const res = await fetch(`${h.url}/callbacks/dingtalk/events?${new URLSearchParams(query)}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
          });
          await expectRejected(res);
        },
      ),
      runs,
    );
  }, 120_000);
});
