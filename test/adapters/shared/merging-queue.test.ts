import { describe, expect, it } from 'vitest';
import { MergingQueue } from '../../../adapters/shared/merging-queue.ts';
import { RateWindow } from '../../../adapters/shared/rate-window.ts';
import { ManualClock } from '../../../src/clock.ts';

function setup(perMinute: number, maxWaitMs?: number) {
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  const sent: { key: string; item: string; at: number }[] = [];
  const queue = new MergingQueue<string>({
    platform: 'WeCom',
    window: new RateWindow(perMinute, clock),
    clock,
    merge: (a, b) => (a.startsWith('card') || b.startsWith('card') ? null : `${a}\n${b}`),
    send: async (key, item) => void sent.push({ key, item, at: clock.now().getTime() }),
    // Waiting moves the fake clock instead of real time.
    sleep: async (ms) => {
      await Promise.resolve();
      clock.advance(ms);
    },
    ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
  });
  return { clock, sent, queue };
}

describe('RateWindow', () => {
  it('allows N per sliding minute and says how long to wait for the next token', () => {
    const clock = new ManualClock(0);
    const window = new RateWindow(2, clock);
    expect(window.take('a')).toBe(true);
    clock.advance(10_000);
    expect(window.take('a')).toBe(true);
    expect(window.take('a')).toBe(false);
    expect(window.waitMs('a')).toBe(50_000);
    expect(window.take('b')).toBe(true);
    clock.advance(50_000);
    expect(window.take('a')).toBe(true);
  });
});

describe('MergingQueue', () => {
  it('sends directly while the key has tokens', async () => {
    const { sent, queue } = setup(30);
    await Promise.all([queue.send('u1', 'a'), queue.send('u2', 'b')]);
    expect(sent.map((s) => s.item)).toEqual(['a', 'b']);
  });

  it('never exceeds the per-minute limit and merges what waits, dropping nothing', async () => {
    const { sent, queue } = setup(30);
    const all = Array.from({ length: 100 }, (_, i) => queue.send('ZhangWei', `reminder ${i}`));
    await Promise.all(all);
    const lines = sent.flatMap((s) => s.item.split('\n'));
    expect(lines).toHaveLength(100);
    expect(new Set(lines).size).toBe(100);
    for (const s of sent) {
      expect(sent.filter((o) => o.at > s.at - 60_000 && o.at <= s.at).length).toBeLessThanOrEqual(30);
    }
  });

  it('does not merge across items that cannot travel together (cards)', async () => {
    const { sent, queue } = setup(1, 10 * 60_000);
    await Promise.all([
      queue.send('u', 'first'),
      queue.send('u', 'card A'),
      queue.send('u', 'x'),
      queue.send('u', 'y'),
    ]);
    expect(sent.map((s) => s.item)).toEqual(['first', 'card A', 'x\ny']);
  });

  it('fails items that waited too long as retryable, so the outbox retries them later', async () => {
    const { queue } = setup(1, 5_000);
    await queue.send('u', 'first');
    await expect(queue.send('u', 'second')).rejects.toMatchObject({ retryable: true });
  });

  it('passes a send failure to every item it carried', async () => {
    const clock = new ManualClock(0);
    const queue = new MergingQueue<string>({
      platform: 'WeCom',
      window: new RateWindow(5, clock),
      clock,
      merge: () => null,
      send: async () => {
        throw new Error('down');
      },
    });
    await expect(queue.send('u', 'a')).rejects.toThrow('down');
  });
});
