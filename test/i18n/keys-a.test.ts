/**
 * The message keys the sources of helper A's node types use (runtime t('…'), editor this._ /
 * translatorOf(this)('…'), data-i18n="…" in the dialogs, the shared validators' `${V}…` keys) all
 * exist in locales/en-US, so a typo cannot ship as a bare key; and every visible word of those
 * dialogs comes from the catalog.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { identifierProblem, rootProblem } from '../../src/protocol/identifiers';
import {
  decimalValidator,
  identifierMessage,
  numberValidator,
  rootMessage,
  translatorOf,
  validateCameraId,
  validateTimeZone,
} from '../../src/editor/shared/validate';

const root = path.resolve(__dirname, '../..');
const TYPES = ['lpr-broker', 'lpr-detection-in', 'lpr-health-monitor', 'lpr-system-monitor', 'lpr-checkpoint-analytics', 'lpr-blacklist-update'];
const SHARED = [
  ...readdirSync(path.join(root, 'src/nodes/shared')).map((f) => `src/nodes/shared/${f}`),
  'src/editor/shared/validate.ts',
];

type Catalog = { [k: string]: string | Catalog };
function flatten(catalog: Catalog, prefix = '', out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(catalog)) {
    if (typeof v === 'string') out.add(prefix + k);
    else flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}
const english = new Set<string>();
for (const f of readdirSync(path.join(root, 'locales/en-US')).filter((f) => f.endsWith('.json'))) {
  for (const k of flatten(JSON.parse(readFileSync(path.join(root, 'locales/en-US', f), 'utf8')))) english.add(k);
}
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Every string literal that looks like a message key of ours: `lpr-<type>.a.b` or `lpr-common.a.b`. */
function literalKeys(source: string): string[] {
  // Node-RED permissions (`needsPermission('lpr-broker.read')`) look like keys and are not.
  const withoutPermissions = source.replace(/needsPermission\(['"`][^'"`]*['"`]\)/g, '');
  return [...withoutPermissions.matchAll(/['"`](lpr-[a-z-]+\.[A-Za-z0-9_.]*[A-Za-z0-9_])['"`]/g)].map((m) => m[1]!).filter((k) => !/\.(json|ts|js|html|svg|png)$/.test(k));
}

/** The keys of data-i18n attributes (`[placeholder]key;[title]key`). */
function dataI18nKeys(html: string): string[] {
  return [...html.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1]!.split(';').map((k) => k.replace(/^\[[a-z]+\]/, '')));
}

/** Keys built in validate.ts as `${V}group.name`. */
function validatorKeys(source: string): string[] {
  return [...source.matchAll(/`\$\{V\}([A-Za-z0-9_.]+)`/g)].map((m) => `lpr-common.validate.${m[1]!}`);
}

describe('i18n keys (helper A: broker, detection-in, health-monitor, system-monitor, checkpoint-analytics, blacklist-update, shared)', () => {
  for (const type of TYPES) {
    const files = [`src/nodes/${type}.ts`, `src/editor/${type}/index.ts`, `src/editor/${type}/template.html`];
    it(`${type}: every key its runtime, editor script and dialog use exists in en-US`, () => {
      const used = new Set<string>();
      for (const f of files) {
        const text = read(f);
        for (const k of literalKeys(text)) used.add(k);
        if (f.endsWith('.html')) for (const k of dataI18nKeys(text)) used.add(k);
      }
      assert.ok(used.size > 0, `${type}: no keys found`);
      const missing = [...used].filter((k) => !english.has(k));
      assert.deepEqual(missing, [], `${type}: keys not in locales/en-US`);
      // The node's own keys live in its own catalog (one top-level key per file).
      for (const k of used) assert.ok(k.startsWith(`${type}.`) || k.startsWith('lpr-common.'), `${type} uses ${k}`);
    });

    it(`${type}: every word the dialog shows comes from the catalog`, () => {
      const html = read(`src/editor/${type}/template.html`)
        .replace(/<option[^>]*>[^<]*<\/option>/g, (o) => (o.includes('data-i18n') ? '' : o.replace(/>[^<]*</, '><')))
        .replace(/<(style|code|pre)[^>]*>[\s\S]*?<\/\1>/g, '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/&[a-z]+;/g, ' ')
        // Wire field names (camera_status) are the same in every language.
        .replace(/\b[a-z]+(?:_[a-z]+)+\b/g, ' ');
      const words = html.match(/[A-Za-z]{2,}/g) ?? [];
      assert.deepEqual(words, [], `${type}: text in template.html not taken from the catalog`);
    });
  }

  it('the shared helpers (status, setup, reject, broker/list lookup, validators) use keys that exist', () => {
    const used = new Set<string>();
    for (const f of SHARED) {
      const text = read(f);
      for (const k of literalKeys(text)) used.add(k);
      for (const k of validatorKeys(text)) used.add(k);
    }
    for (const state of ['idle', 'connecting', 'connected', 'disconnected', 'closed']) used.add(`lpr-common.status.${state}`);
    // numberValidator / decimalValidator build their keys from the options.
    for (const kind of ['whole', 'any']) for (const range of ['', 'Between', 'Min', 'Max']) used.add(`lpr-common.validate.number.${kind}${range}`);
    for (const range of ['Between', 'Min', 'Max']) used.add(`lpr-common.validate.number.decimal${range}`);
    const missing = [...used].filter((k) => !english.has(k));
    assert.deepEqual(missing, [], 'shared keys not in locales/en-US/common.json');
    assert.ok(used.size > 40);
  });

  it('the unit names the validators translate all exist', () => {
    const source = read('src/editor/shared/validate.ts');
    const block = /const UNIT_KEYS[^{]*\{([\s\S]*?)\};/.exec(source)?.[1] ?? '';
    const keys = [...block.matchAll(/:\s*'([A-Za-z]+)'/g)].map((m) => `lpr-common.unit.${m[1]!}`);
    assert.ok(keys.length >= 10);
    assert.deepEqual(keys.filter((k) => !english.has(k)), []);
  });
});

describe('editor validators in the reader language', () => {
  it('identifierMessage says in English exactly what the protocol says', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('CAM001', 'a/b', '', 'x'.repeat(65), '-x')), (v) => assert.equal(identifierMessage(v), identifierProblem(v))));
    assert.equal(identifierMessage(null), identifierProblem(null));
    assert.equal(identifierMessage(5), identifierProblem(5));
  });

  it('rootMessage says in English exactly what the protocol says', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 220 }), fc.constantFrom('lprserver', 'a//b', 'site1/lpr', '#', 'x'.repeat(201))), (v) => assert.equal(rootMessage(v), rootProblem(v))));
  });

  it("a validator answers from the node's catalog (this._), with the label and parameters", () => {
    const node = { _: (key: string, params?: Record<string, unknown>) => (key === 'lpr-common.validate.timeZone' ? 'ต้องเป็นชื่อเขตเวลา' : key === 'lpr-common.validate.number.wholeBetween' ? `จำนวนเต็ม ${params?.min}-${params?.max}${params?.unit}` : key === 'lpr-common.unit.seconds' ? 'วินาที' : key) };
    assert.equal(validateTimeZone.call(node, 'Nowhere/Zone', { label: 'เขตเวลา' }), 'เขตเวลา: ต้องเป็นชื่อเขตเวลา');
    assert.equal(numberValidator({ min: 1, max: 600, unit: 's' }).call(node, 'x', {}), 'จำนวนเต็ม 1-600 วินาที');
  });

  it('falls back to English where the node has no _ or its catalog lacks the key (Node-RED returns the key)', () => {
    assert.equal(validateTimeZone.call(undefined, 'Nowhere/Zone', { label: 'Time zone' }), 'Time zone: must be an IANA time zone name such as UTC or Asia/Bangkok');
    assert.equal(validateTimeZone.call({ _: (k: string) => k }, 'Nowhere/Zone'), 'must be an IANA time zone name such as UTC or Asia/Bangkok');
    assert.equal(validateCameraId.call({ _: (k: string) => k }, ''), "required: this camera's id, e.g. CAM001");
    assert.equal(translatorOf({ _: () => { throw new Error('no i18n yet'); } })('lpr-common.validate.required'), 'required');
  });

  it('number messages keep their English wording', () => {
    assert.equal(numberValidator({ min: 0, max: 65535, unit: 's' })('x'), 'must be a whole number, 0-65535 s');
    assert.equal(numberValidator({ min: 1, unit: 'messages' })('0'), 'must be a whole number, 1 messages or more');
    assert.equal(numberValidator({ max: 5, integer: false })('9'), 'must be a number, at most 5');
    assert.equal(numberValidator({})('x'), 'must be a whole number');
    assert.equal(decimalValidator({ min: -40, max: 125, unit: '°C' })('x'), 'must be a number from -40 to 125 °C');
    assert.equal(decimalValidator({ min: 0, unit: '%' })('-1'), 'must be a number, 0 % or more');
    assert.equal(decimalValidator({})('x'), 'must be a number');
  });
});
