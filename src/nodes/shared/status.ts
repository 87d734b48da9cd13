/** Status rings: the connection state first, then the node's own counts, at most once a second. */
import type { ConnectionState } from '../../runtime/broker-connection';
import { ENGLISH, type Translate } from './i18n';
import type { Node, NodeStatus } from './red';

const STATE_STATUS: Record<ConnectionState, NodeStatus> = {
  idle: { fill: 'grey', shape: 'ring' },
  connecting: { fill: 'yellow', shape: 'ring' },
  connected: { fill: 'green', shape: 'dot' },
  disconnected: { fill: 'red', shape: 'ring' },
  closed: { fill: 'grey', shape: 'ring' },
};

/** The ring for a connection state, its text in the node's language, then the node's counts. */
export function connectionStatus(state: ConnectionState, counts?: string, t: Translate = ENGLISH): NodeStatus {
  const text = t(`lpr-common.status.${state}`);
  return { ...STATE_STATUS[state], text: counts ? t('lpr-common.status.withCounts', { state: text, counts }) : text };
}

/**
 * Runs `render` at once, then at most once per `intervalMs` while touched again: a busy node tells
 * the editor (every open one, over its websocket) of its counts, not of every message.
 */
export class Throttled {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly render: () => void,
    private readonly intervalMs = 1000,
  ) {}

  touch(): void {
    if (this.timer) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.render();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) this.touch();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  /** Renders now (a change the user should see at once); a render pending from earlier touches is then not needed. */
  now(): void {
    this.dirty = false;
    this.render();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class StatusReporter {
  private state: ConnectionState = 'idle';
  private readonly throttle: Throttled;
  /** What the broker lacks for this node (broker-needs.ts), shown while connected. */
  private warning: string | null = null;

  constructor(
    private readonly node: Node,
    private readonly counts: () => string,
    intervalMs = 1000,
    private readonly t: Translate = ENGLISH,
  ) {
    this.throttle = new Throttled(() => this.render(), intervalMs);
  }

  /** The connection changed state: show it at once. */
  setState(state: ConnectionState): void {
    this.state = state;
    this.throttle.now();
  }

  /** A count changed: show it within `intervalMs`, so a busy node does not flood the editor. */
  touch(): void {
    this.throttle.touch();
  }

  /** A standing warning (null: none) shown after the counts, with a yellow ring while connected. */
  setWarning(text: string | null): void {
    this.warning = text;
    this.throttle.now();
  }

  error(text: string): void {
    this.node.status({ fill: 'red', shape: 'ring', text });
  }

  stop(): void {
    this.throttle.stop();
  }

  private render(): void {
    const status = connectionStatus(this.state, this.counts(), this.t);
    if (this.warning && this.state === 'connected') {
      this.node.status({ fill: 'yellow', shape: 'ring', text: `${status.text} · ⚠ ${this.warning}` });
    } else this.node.status(status);
  }
}
