/** `lpr-blacklist-update`: a flow adds, removes, replaces, imports (CSV) or exports an `lpr-blacklist`. */
import { z } from 'zod';
import { BlacklistEntry, BlacklistUpdate, inspectData } from '../protocol';
import { formatPath, WHOLE_PAYLOAD } from '../protocol/errors';
import { parseCsv, toCsv } from '../blacklist/csv';
import type { UpdateAction } from '../blacklist/store';
import { readBoolean, readString, ConfigError } from '../runtime/settings';
import ownCatalog from '../../locales/en-US/lpr-blacklist-update.json';
import { resolveBlacklist } from './shared/blacklist-api';
import { translator } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { failSetup } from './shared/setup';

const ACTIONS = ['add', 'remove', 'replace', 'import', 'export'] as const;
type Action = (typeof ACTIONS)[number];

const Entries = z.array(BlacklistEntry).max(2_000_000);

/** The entries of an add/remove/replace message: one entry, an array, or a BlacklistUpdate. */
function entriesOf(payload: unknown): BlacklistEntry[] {
  // A `constructor` key would be kept by the schema (and then refused when the list is published or
  // answers a request), `__proto__` silently dropped, NaN kept: refuse them here, naming the path.
  const unsafe = inspectData(payload);
  if (unsafe) throw fieldError({ path: pathParts(unsafe.issues[0]!.path), message: unsafe.issues[0]!.message } as z.core.$ZodIssue);
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && 'entries' in payload) {
    const update = BlacklistUpdate.partial({ message_id: true, timestamp: true }).safeParse(payload);
    if (!update.success) throw fieldError(update.error.issues[0]!);
    return update.data.entries;
  }
  if (Array.isArray(payload)) {
    const result = Entries.safeParse(payload);
    if (!result.success) throw fieldError(result.error.issues[0]!);
    return result.data;
  }
  const result = BlacklistEntry.safeParse(payload);
  if (!result.success) throw fieldError(result.error.issues[0]!);
  return [result.data];
}

/** `entries[3].constructor` -> ['entries', 3, 'constructor'] (for fieldError). */
function pathParts(path: string): PropertyKey[] {
  if (path === WHOLE_PAYLOAD) return [];
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/** An Error naming the field, as `msg.payload.entries[3].priority: ...`. */
function fieldError(issue: z.core.$ZodIssue): Error {
  const path = formatPath(issue.path);
  const where = path === WHOLE_PAYLOAD ? 'msg.payload' : path.startsWith('[') ? `msg.payload${path}` : `msg.payload.${path}`;
  return new Error(`${where}: ${issue.message}`);
}

export = function register(RED: NodeAPI): void {
  const t = translator(RED, ownCatalog);

  function LprBlacklistUpdateNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const list = resolveBlacklist(RED, def.list, t);
    if (list instanceof Error) return failSetup(node, list, t);
    let fixedAction: Action | null;
    let publish: boolean;
    try {
      const action = readString(def, 'action', '');
      if (action !== '' && !(ACTIONS as readonly string[]).includes(action)) throw new ConfigError('action', t('lpr-common.validate.oneOf', { values: ACTIONS.join(', ') }));
      fixedAction = (action || null) as Action | null;
      publish = readBoolean(def, 'publish', true);
    } catch (err) {
      return failSetup(node, err, t);
    }
    const showStatus = () => node.status({ fill: 'green', shape: 'dot', text: t('lpr-blacklist-update.status.entries', { n: list.store.size }) });
    showStatus();
    const stopWatching = list.onChange(showStatus);

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      try {
        // The node's own action wins; else msg.action; else a BlacklistUpdate payload's own action.
        const payloadAction = (msg.payload as { action?: unknown } | null | undefined)?.action;
        const action = fixedAction ?? msg.action ?? payloadAction;
        if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
          throw new Error(t('lpr-blacklist-update.error.action', { values: ACTIONS.join(', '), value: JSON.stringify(action) }));
        }
        if (action === 'export') {
          const entries = list.store.snapshot();
          send({ ...msg, payload: msg.format === 'json' ? entries : toCsv(entries) });
        } else if (action === 'import') {
          const payload = msg.payload;
          const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
          if (text === null) throw new Error(t('lpr-blacklist-update.error.importText'));
          const mode = msg.mode ?? 'add';
          if (mode !== 'add' && mode !== 'replace') throw new Error(t('lpr-blacklist-update.error.mode', { value: JSON.stringify(mode) }));
          const { entries, issues } = parseCsv(text);
          if (issues.length) {
            const detail = issues.map((i) => `${i.path}: ${i.message}`).slice(0, 5).join('; ');
            throw new Error(t('lpr-blacklist-update.error.csvRejected', { detail }));
          }
          send({ ...msg, payload: list.applyUpdate(mode, entries, publish) });
        } else {
          send({ ...msg, payload: list.applyUpdate(action as UpdateAction, entriesOf(msg.payload), publish) });
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      stopWatching();
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist-update', LprBlacklistUpdateNode);
};
