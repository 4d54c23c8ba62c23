/**
 * Interfaces the core and the flows need from the outside world. Implementations live in
 * src/storage, src/jobs, adapters/ and src/clock.ts; tests pass fakes.
 */

/** Wall-clock time, injected so a 60-second SLA can be a millisecond test. */
export interface Clock {
  now(): Date;
}
