/**
 * A self-test on a fresh connection: does the broker deliver a shared subscription, retained
 * messages to a wildcard subscription, and a topic level with a `.` to a `+`? None is announced by an MQTT 3.1.1 broker, and brokers
 * that lack them (aedes, RabbitMQ's MQTT plugin) still grant the SUBSCRIBE. Everything happens
 * under a private topic (`<base>/<token>/…`) that no node subscribes to; the retained probe is
 * cleared afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';

export interface SelfTestResult {
  sharedSubscriptions: boolean;
  retainedWildcards: boolean;
  /** A `.` inside a topic level stays in that level (RabbitMQ maps it to `/`, so `+` misses it). */
  dotsInTopicLevels: boolean;
}

export class BrokerSelfTest {
  readonly prefix: string;
  private readonly shared: string;
  private readonly sharedFilter: string;
  private readonly retained: string;
  private readonly retainedFilter: string;
  private readonly dotted: string;
  private readonly dottedFilter: string;
  private gotShared = false;
  private gotRetained = false;
  private gotDotted = false;
  private wake: (() => void) | null = null;

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
    if (this.done()) this.wake?.();
    return true;
  }

  private done(): boolean {
    return this.gotShared && this.gotRetained && this.gotDotted;
  }

  async run(): Promise<SelfTestResult> {
    const c = this.client;
    const publish = (topic: string, payload: string, retain: boolean) =>
      new Promise<void>((resolve, reject) => c.publish(topic, payload, { qos: 1, retain }, (err) => (err ? reject(err) : resolve())));
    const subscribe = (filter: string) =>
      new Promise<void>((resolve, reject) => c.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    try {
      // The retained probe is stored before the wildcard subscription exists: only a broker that
      // hands retained messages to wildcard subscribers delivers it.
      await publish(this.retained, 'probe', true);
      await subscribe(this.sharedFilter);
      await subscribe(this.retainedFilter);
      await subscribe(this.dottedFilter);
      await publish(this.shared, 'probe', false);
      await publish(this.dotted, 'probe', false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.done()) this.wake();
      });
      return { sharedSubscriptions: this.gotShared, retainedWildcards: this.gotRetained, dotsInTopicLevels: this.gotDotted };
    } finally {
      this.wake = null;
      // Best effort: the connection may be gone already.
      if (c.connected) {
        c.unsubscribe([this.sharedFilter, this.retainedFilter, this.dottedFilter]);
        c.publish(this.retained, '', { qos: 1, retain: true });
      }
    }
  }
}
