/**
 * Message catalogs as plain data (locales/<lang>/*.json): the lookup and Node-RED's interpolation,
 * shared by the runtime translator (src/nodes/shared/i18n.ts) and the editor's validators
 * (src/editor/shared/validate.ts). No Node-RED imports: both sides bundle it.
 */
export type Params = Record<string, string | number | boolean | null | undefined>;
export type Catalog = { [key: string]: string | Catalog };

/** The text at a dotted key (`lpr-common.status.connected`), or undefined. */
export function lookup(catalog: Catalog, key: string): string | undefined {
  let at: string | Catalog | undefined = catalog;
  for (const part of key.split('.')) {
    if (at === undefined || typeof at === 'string') return undefined;
    at = at[part];
  }
  return typeof at === 'string' ? at : undefined;
}

/** Node-RED's i18next interpolation: `__name__`. */
export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/__([A-Za-z0-9_]+?)__/g, (whole, name: string) => (name in params ? String(params[name] ?? '') : whole));
}
