/**
 * Work done a slice at a time, a turn of the event loop between slices: for bursts that would
 * otherwise hold the loop, such as lpr-checkpoint-analytics's window end, which publishes and sends
 * two messages per checkpoint at once (836–992 ms in one go at 10,000 checkpoints, measured; every
 * detection, and its ack, waited that long). Items run in the order added, `size` per turn;
 * `finish` runs the rest at once (a node closing), `stop` drops them.
 */
import { Fifo } from './fifo';

export interface SlicesOptions<T> {
  /** Items per turn of the event loop (>= 1). */
  size: number;
  run: (item: T) => void;
  /** An item's run threw: the rest still run (a throw in a timer would stop the runtime). */
  failed: (err: unknown) => void;
  /** The queue has run empty (once per burst). */
  drained?: () => void;
}

export class Slices<T> {
  private readonly queue = new Fifo<T>();
  private timer: NodeJS.Immediate | null = null;

  constructor(private readonly options: SlicesOptions<T>) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('size: must be a whole number >= 1');
  }

  /** Items waiting. */
  get length(): number {
    return this.queue.length;
  }

  add(item: T): void {
    this.queue.push(item);
    this.timer ??= setImmediate(() => this.turn());
  }

  /** Runs everything waiting now. */
  finish(): void {
    this.cancel();
    this.runSome(Infinity);
  }

  /** Drops everything waiting. */
  stop(): void {
    this.cancel();
    this.queue.drain();
  }

  private turn(): void {
    this.timer = null;
    this.runSome(this.options.size);
    if (this.queue.length > 0) this.timer = setImmediate(() => this.turn());
  }

  private runSome(n: number): void {
    let ran = 0;
    while (ran < n && this.queue.length > 0) {
      const item = this.queue.shift() as T;
      ran++;
      try {
        this.options.run(item);
      } catch (err) {
        this.options.failed(err);
      }
    }
    if (ran > 0 && this.queue.length === 0) this.options.drained?.();
  }

  private cancel(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
  }
}
