/**
 * A self-test on a fresh connection: does the broker deliver a shared subscription, and retained
 * messages to a wildcard subscription? Neither is announced by an MQTT 3.1.1 broker, and brokers
 * that lack them (aedes, RabbitMQ's MQTT plugin) still grant the SUBSCRIBE. Everything happens
 * under a private topic (`<base>/<token>/…`) that no node subscribes to; the retained probe is
 * cleared afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';

export interface SelfTestResult {
  sharedSubscriptions: boolean;
  retainedWildcards: boolean;
}

export class BrokerSelfTest {
  readonly prefix: string;
  private readonly shared: string;
  private readonly sharedFilter: string;
  private readonly retained: string;
  private readonly retainedFilter: string;
  private gotShared = false;
  private gotRetained = false;
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
  }

  /** Takes a message of the self-test (true), so it reaches no handler. */
  take(topic: string, payload: Buffer, retain: boolean): boolean {
    if (!topic.startsWith(this.prefix + '/')) return false;
    if (topic === this.shared) this.gotShared = true;
    // An empty retained publish clears the probe; only the probe itself counts.
    if (topic === this.retained && retain && payload.length > 0) this.gotRetained = true;
    if (this.gotShared && this.gotRetained) this.wake?.();
    return true;
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
      await publish(this.shared, 'probe', false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.gotShared && this.gotRetained) this.wake();
      });
      return { sharedSubscriptions: this.gotShared, retainedWildcards: this.gotRetained };
    } finally {
      this.wake = null;
      // Best effort: the connection may be gone already.
      if (c.connected) {
        c.unsubscribe([this.sharedFilter, this.retainedFilter]);
        c.publish(this.retained, '', { qos: 1, retain: true });
      }
    }
  }
}
