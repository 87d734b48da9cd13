/**
 * Throttles a repeating failure report: the first is logged at once, then at most one per
 * interval, carrying how many were held back meanwhile. A broker that is down fails on every retry;
 * the log must say why without filling up (the core MQTT node logs each failure, with no reason).
 */
export class FailureLog {
  private lastAt = -Infinity;
  private held = 0;
  /** Failures since the last success, logged or not. */
  private run = 0;

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The line to log for this failure now, or null when it is held back (and counted). */
  failure(text: string): string | null {
    const held = this.failed();
    if (held === null) return null;
    return held > 0 ? `${text} (${held} more failed attempt${held === 1 ? '' : 's'} since the last report)` : text;
  }

  /**
   * Counts a failure: null when it is held back, else how many were held back since the last
   * report (for a caller that words the line itself, e.g. in the reader's language).
   */
  failed(): number | null {
    this.run++;
    const t = this.now();
    if (t - this.lastAt < this.intervalMs) {
      this.held++;
      return null;
    }
    const held = this.held;
    this.lastAt = t;
    this.held = 0;
    return held;
  }

  /** After a success: how many attempts had failed in a row (0 when none), and a fresh start. */
  success(): number {
    const failed = this.run;
    this.run = 0;
    this.held = 0;
    this.lastAt = -Infinity;
    return failed;
  }
}
