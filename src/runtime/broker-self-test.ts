/**
 * A self-test on a fresh connection: does the broker deliver a shared subscription, retained
 * messages to a wildcard subscription, and a topic level with a `.` to a `+`? None is announced by an MQTT 3.1.1 broker, and brokers
 * that lack them (aedes, RabbitMQ's MQTT plugin) still grant the SUBSCRIBE. Everything happens
 * under a private topic (`<base>/<token>/…`) that no node subscribes to; the retained probe is
 * cleared afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';

/** Each null when the test proved nothing: not even a plain subscription got its message (an ACL?). */
export interface SelfTestResult {
  sharedSubscriptions: boolean | null;
  retainedWildcards: boolean | null;
  /** A `.` inside a topic level stays in that level (RabbitMQ maps it to `/`, so `+` misses it). */
  dotsInTopicLevels: boolean | null;
}

export class BrokerSelfTest {
  readonly prefix: string;
  private readonly shared: string;
  private readonly sharedFilter: string;
  private readonly retained: string;
  private readonly retainedFilter: string;
  private readonly dotted: string;
  private readonly dottedFilter: string;
  private readonly control: string;
  private gotControl = false;
  private gotShared = false;
  private gotRetained = false;
  private gotDotted = false;
  private wake: (() => void) | null = null;
  /** The retained probe is stored at the broker until `clearRetained` (see close() of the connection). */
  private retainedStored = false;

  constructor(
    private readonly client: MqttClient,
    base: string,
    private readonly timeoutMs = 2000,
  ) {
    const token = randomBytes(6).toString('hex');
    this.prefix = `${base}/${token}`;
    this.shared = `${this.prefix}/shared`;
    this.sharedFilter = `$share/lpr-self-test-${token}/${this.shared}`;
    this.retained = `${this.prefix}/retained/probe`;
    this.retainedFilter = `${this.prefix}/retained/+`;
    this.control = `${this.prefix}/control`;
    this.dotted = `${this.prefix}/dots/CAM.1/probe`;
    this.dottedFilter = `${this.prefix}/dots/+/probe`;
  }

  /** Takes a message of the self-test (true), so it reaches no handler. */
  take(topic: string, payload: Buffer, retain: boolean): boolean {
    if (!topic.startsWith(this.prefix + '/')) return false;
    if (topic === this.shared) this.gotShared = true;
    // An empty retained publish clears the probe; only the probe itself counts.
    if (topic === this.retained && retain && payload.length > 0) this.gotRetained = true;
    if (topic === this.dotted) this.gotDotted = true;
    if (topic === this.control) this.gotControl = true;
    if (this.done()) this.wake?.();
    return true;
  }

  private done(): boolean {
    return this.gotControl && this.gotShared && this.gotRetained && this.gotDotted;
  }

  async run(): Promise<SelfTestResult> {
    const c = this.client;
    // MQTT 5: the broker drops the retained probe by itself after 30 s, whatever happens to us.
    const expiry = c.options.protocolVersion === 5 ? { properties: { messageExpiryInterval: 30 } } : {};
    const publish = (topic: string, payload: string, retain: boolean) =>
      new Promise<void>((resolve, reject) => c.publish(topic, payload, { qos: 1, retain, ...(retain ? expiry : {}) }, (err) => (err ? reject(err) : resolve())));
    const subscribe = (filter: string) =>
      new Promise<void>((resolve, reject) => c.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    try {
      // The retained probe is stored before the wildcard subscription exists: only a broker that
      // hands retained messages to wildcard subscribers delivers it.
      this.retainedStored = true;
      await publish(this.retained, 'probe', true);
      await subscribe(this.sharedFilter);
      await subscribe(this.retainedFilter);
      await subscribe(this.dottedFilter);
      await subscribe(this.control);
      await publish(this.shared, 'probe', false);
      await publish(this.dotted, 'probe', false);
      // Last: when it arrives, the others (published before it, same session) have had their turn.
      await publish(this.control, 'probe', false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.done()) this.wake();
      });
      this.clearRetained();
      // Without the control message the broker (or its ACL) let nothing through: no conclusion.
      if (!this.gotControl) return { sharedSubscriptions: null, retainedWildcards: null, dotsInTopicLevels: null };
      return { sharedSubscriptions: this.gotShared, retainedWildcards: this.gotRetained, dotsInTopicLevels: this.gotDotted };
    } finally {
      this.wake = null;
      // Best effort: the connection may be gone already.
      if (c.connected) c.unsubscribe([this.sharedFilter, this.retainedFilter, this.dottedFilter, this.control]);
      this.clearRetained();
    }
  }

  /**
   * Removes the retained probe, at once (a flow may be stopped while the test waits: a probe left
   * behind would reach every later `<root>/#` subscriber). Resolves once the broker has it.
   */
  clearRetained(): Promise<void> {
    if (!this.retainedStored || !this.client.connected) return Promise.resolve();
    this.retainedStored = false;
    return new Promise<void>((resolve) => this.client.publish(this.retained, '', { qos: 1, retain: true }, () => resolve()));
  }
}
