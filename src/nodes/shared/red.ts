/** The slice of the Node-RED runtime API these nodes use (Node-RED >= 4), typed loosely on purpose. */
import type { EventEmitter } from 'node:events';

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown; topic?: string };

export interface Node extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  credentials?: Record<string, string | undefined>;
  status(status: NodeStatus | Record<string, never>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
  send(msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>): void;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  [key: string]: unknown;
}

export interface NodeAPI {
  /** The node module's message catalog (see i18n.ts); the test helper returns the key. */
  _?: (key: string, params?: Record<string, unknown>) => string;
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    registerType(type: string, ctor: (this: Node, def: NodeDef) => void, options?: { credentials?: Record<string, { type: string }> }): void;
    getNode(id: string): unknown;
  };
  events: EventEmitter;
  /** Messaging hooks (Node-RED >= 2); absent from some embedded runtimes and test stubs. */
  hooks?: {
    add(id: string, callback: (event: any) => void): void;
    remove(id: string): void;
  };
}
