/**
 * Runtime texts (status, errors, warnings) from the node's message catalog, in the runtime's
 * language (Node-RED's `lang` setting, else the system locale). RED._ of a node module reads its own
 * catalog, dist/locales/<lang>/<type>.json, which the build merges with locales/<lang>/common.json.
 *
 * Where RED._ has no catalog (node-red-node-test-helper answers every key with the key itself) the
 * English catalog bundled here answers, so a text is never a bare key.
 */
import common from '../../../locales/en-US/common.json';
import { type Catalog, type Params, interpolate, lookup } from '../../i18n/catalog';
import type { NodeAPI } from './red';

export type { Params } from '../../i18n/catalog';
export { interpolate } from '../../i18n/catalog';
export type Translate = (key: string, params?: Params) => string;

/** `t(key, params)` for a node whose English catalog is `own` (locales/en-US/<type>.json). */
export function translator(RED: Pick<NodeAPI, '_'>, own: Catalog = {}): Translate {
  const english: Catalog = { ...(common as Catalog), ...own };
  return (key, params) => {
    let text: unknown;
    try {
      text = RED._?.(key, params);
    } catch {
      text = undefined;
    }
    if (typeof text === 'string' && text !== key && text !== '') return text;
    const fallback = lookup(english, key);
    return fallback === undefined ? key : interpolate(fallback, params);
  };
}

/** English only: for code that has no node module's RED at hand. */
export const ENGLISH: Translate = translator({});
