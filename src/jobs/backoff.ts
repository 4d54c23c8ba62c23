export interface BackoffPolicy {
  /** Delay before the 2nd attempt; doubles each attempt after that. */
  baseMs: number;
  /** Ceiling before jitter. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a platform
 * outage does not make every instance retry in the same millisecond (TARGETS.md R4) and the
 * delay still grows with each attempt. `attempt` counts failed attempts so far (1 = first failure).
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
