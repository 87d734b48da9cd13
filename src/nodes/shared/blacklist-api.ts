/** What an `lpr-blacklist` config node offers the match and update nodes. */
import type { ApplyResult, BlacklistStore, UpdateAction } from '../../blacklist/store';
import type { BlacklistEntry } from '../../protocol';
import type { LprBroker } from './broker-api';
import { ENGLISH, type Translate } from './i18n';
import type { Node, NodeAPI } from './red';

export interface LprBlacklist extends Node {
  readonly store: BlacklistStore;
  /** The broker the list syncs through, if it has one. */
  readonly broker: LprBroker | null;
  /** Applies a change made by a flow and, when `publish`, shares it on `{root}/blacklist/updates`. */
  applyUpdate(action: UpdateAction, entries: BlacklistEntry[], publish: boolean): ApplyResult;
  /** Calls `listener` after every change of the list; returns the function that stops it. */
  onChange(listener: () => void): () => void;
}

export function resolveBlacklist(RED: NodeAPI, id: unknown, t: Translate = ENGLISH): LprBlacklist | Error {
  if (typeof id !== 'string' || id === '') return new Error(t('lpr-common.error.noList'));
  const node = RED.nodes.getNode(id) as LprBlacklist | null;
  if (!node) return new Error(t('lpr-common.error.listNotDeployed', { id }));
  if (!node.store) return new Error(t('lpr-common.error.listInvalid'));
  return node;
}
