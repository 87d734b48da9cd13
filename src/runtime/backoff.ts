/**
 * Reconnect delays: exponential from `baseMs` to `maxMs`, with "equal jitter" (half fixed,
 * half random) so a fleet does not reconnect in lock-step after a broker restart
 * (MQTT.js waits a fixed period: MQTT-PITFALLS.md).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
