import type { ManualClock } from '../../src/clock.ts';
import type { ManualScheduler } from '../../src/jobs/index.ts';

/**
 * Lets `ms` pass on a ManualClock, stopping at each wake-up the runner armed (as real time would)
 * and waiting for the runner to go idle after each.
 */
export async function advanceRunner(
  runner: { idle(): Promise<void> },
  scheduler: ManualScheduler,
  clock: ManualClock,
  ms: number,
): Promise<void> {
  const target = clock.now().getTime() + ms;
  await runner.idle();
  for (let next = scheduler.nextAt; next && next.getTime() <= target; next = scheduler.nextAt) {
    scheduler.advance(Math.max(0, next.getTime() - clock.now().getTime()));
    await runner.idle();
  }
  scheduler.advance(target - clock.now().getTime());
}
