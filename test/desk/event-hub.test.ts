import { afterAll, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub } from '../../src/desk/event-hub.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe.each(backends)('event hub across instances on %s', (backend) => {
  const test = useTestDatabase(backend);
  const hubs: EventHub<{ n: number; big?: string } | { refresh: true }>[] = [];
  const warn = () => {};
  const hubFor = async (instanceId: string) => {
    const hub = createEventHub<{ n: number; big?: string } | { refresh: true }>({
      database: test.database,
      channel: 'bangban_test_hub',
      logger: { warn },
      instanceId,
      oversized: () => ({ refresh: true }),
    });
    await hub.start();
    hubs.push(hub);
    return hub;
  };
  afterAll(async () => {
    for (const hub of hubs) await hub.close();
  });

  it('delivers a publish to subscribers here at once and on another instance through NOTIFY, once each', async () => {
    const a = await hubFor('instance-a');
    const b = await hubFor('instance-b');
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    a.subscribe('staff-1', (p) => gotA.push(p));
    b.subscribe('staff-1', (p) => gotB.push(p));
    b.subscribe('staff-2', () => gotB.push('wrong key'));
    await a.publish('staff-1', { n: 1 });
    expect(gotA).toEqual([{ n: 1 }]);
    await expect.poll(() => gotB).toEqual([{ n: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gotA).toEqual([{ n: 1 }]);
  });

  it('sends a stand-in when the payload is too big for NOTIFY', async () => {
    const a = await hubFor('instance-c');
    const b = await hubFor('instance-d');
    const gotB: unknown[] = [];
    b.subscribe('k', (p) => gotB.push(p));
    await a.publish('k', { n: 2, big: '药'.repeat(5000) });
    await expect.poll(() => gotB).toEqual([{ refresh: true }]);
  });

  it('ends tracked streams and forgets listeners on close', async () => {
    const a = await hubFor('instance-e');
    let closed = 0;
    a.track({ close: () => (closed += 1) });
    a.subscribe('k', () => {});
    await a.close();
    expect(closed).toBe(1);
    expect(a.listenerCount('k')).toBe(0);
  });
});
