/**
 * Failures that come together are one warning with their count, not one line each: a connection
 * closing (a full deploy, a restart) fails every publish still in flight at once, up to a window of
 * 1,000 acks; a window end publishing 10,000 checkpoint figures to a broker that just went away fails
 * each past the offline queue's limit. Collected until the event loop moves on (the failures of one
 * close or one burst arrive in the same turn), then reported once with the first of them.
 */
export class WarningBurst<T> {
  private first: T | undefined;
  private count = 0;

  constructor(
    private readonly report: (first: T, count: number) => void,
    private readonly defer: (fn: () => void) => void = setImmediate,
  ) {}

  add(failure: T): void {
    if (this.count++ > 0) return;
    this.first = failure;
    this.defer(() => this.flush());
  }

  private flush(): void {
    const first = this.first as T;
    const count = this.count;
    this.first = undefined;
    this.count = 0;
    this.report(first, count);
  }
}
