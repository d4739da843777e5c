/**
 * Returns the delay before reconnect attempt `attempt` (0-based): exponential growth from
 * `minMs`, capped at `maxMs`, with "equal jitter" (a random delay between half the cap and
 * the cap) so many listeners restarting together do not reconnect in lockstep.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}
