/**
 * Offline re-implementation of the Flow Library scorecard (`node-red-dev validate`,
 * github.com/node-red/node-red-dev-cli: src/libs/checkpackage.js, checknodes.js, checkdeps.js), plus a
 * few checks of our own that the scorecard implies: help for every property, a dialog input for every
 * property, importable examples.
 *
 * It reads dist/, so it runs after `npm run build`; when dist/ is missing or incomplete the build is run
 * in the before hook.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const EXAMPLES = path.join(ROOT, 'examples');

interface PackageJson {
  name: string;
  license?: string;
  keywords?: string[];
  repository?: string | { type?: string; url?: string; directory?: string };
  bugs?: string | { url?: string; email?: string };
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const nodeFiles: Record<string, string> = pkg['node-red']?.nodes ?? {};

// ---------------------------------------------------------------------------------------------
// Parsing dist/*.html the way checknodes.js does.

interface NodeDefinition {
  type: string;
  category?: unknown;
  color?: unknown;
  icon?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  /** Keys of the inline `defaults` object. */
  defaults: string[];
  /** Keys of the inline `credentials` object. */
  credentials: string[];
  errors: string[];
}

/** The same extraction regex as node-red-dev: it stops at the first `</script>`. */
const SCRIPT_RE = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;

function keyName(prop: acorn.Property | acorn.SpreadElement): string | undefined {
  if (prop.type !== 'Property') return undefined;
  // node-red-dev reads `key.name`: only identifier keys count.
  return prop.key.type === 'Identifier' ? prop.key.name : undefined;
}

function parseDefinitions(html: string): NodeDefinition[] {
  const blocks = [...html.matchAll(SCRIPT_RE)].map((m) => m[1] ?? '');
  assert.ok(blocks.length > 0, 'no <script type="text/javascript"> section');
  const defs: NodeDefinition[] = [];
  for (const block of blocks) {
    const ast = acorn.parse(block, { ecmaVersion: 'latest' });
    walk.simple(ast, {
      CallExpression(node: acorn.CallExpression) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || callee.property.name !== 'registerType') return;
        const def: NodeDefinition = { type: '', defaults: [], credentials: [], errors: [] };
        defs.push(def);
        // RED.nodes.registerType
        const obj = callee.object;
        if (!(obj.type === 'MemberExpression' && obj.object.type === 'Identifier' && obj.object.name === 'RED' && obj.property.type === 'Identifier' && obj.property.name === 'nodes')) {
          def.errors.push('callee is not RED.nodes.registerType');
        }
        const [typeArg, defArg] = node.arguments;
        if (!typeArg || typeArg.type !== 'Literal' || typeof typeArg.value !== 'string') {
          def.errors.push('non-literal type');
          return;
        }
        def.type = typeArg.value;
        if (!defArg || defArg.type !== 'ObjectExpression') {
          def.errors.push('non-objectexpression');
          return;
        }
        for (const prop of defArg.properties) {
          const key = keyName(prop);
          if (prop.type !== 'Property' || key === undefined) continue;
          const value = prop.value;
          switch (key) {
            case 'defaults':
            case 'credentials':
              if (value.type !== 'ObjectExpression') {
                def.errors.push(`${key}-not-inline`);
              } else {
                for (const p of value.properties) {
                  const k = keyName(p);
                  if (k === undefined) def.errors.push(`${key}-key-not-identifier`);
                  else def[key].push(k);
                }
              }
              break;
            case 'category':
            case 'color':
            case 'icon':
            case 'inputs':
            case 'outputs':
              if (value.type === 'Literal') def[key] = value.value;
              else def.errors.push(`${key}-not-inline`);
              break;
          }
        }
      },
    });
  }
  return defs;
}

/**
 * The English help of a type: inline in dist/<type>.html, or (once moved to the message catalogs)
 * dist/locales/en-US/<type>.html, where Node-RED reads it.
 */
function helpOf(html: string, type: string): string | undefined {
  const inline = section(html, 'help', type);
  if (inline !== undefined) return inline;
  const file = path.join(DIST, 'locales', 'en-US', `${type}.html`);
  return existsSync(file) ? section(readFileSync(file, 'utf8'), 'help', type) : undefined;
}

/** The text of `<script type="text/html" data-<kind>-name="type">`. */
function section(html: string, kind: 'template' | 'help', type: string): string | undefined {
  const re = new RegExp(`<script type="text/html" data-${kind}-name="${type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">([\\s\\S]*?)</script>`);
  return re.exec(html)?.[1];
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? allFiles(full) : [full];
  });
}

function distComplete(): boolean {
  if (!existsSync(DIST)) return false;
  return Object.values(nodeFiles).every((file) => existsSync(path.join(ROOT, file)) && existsSync(path.join(ROOT, file.replace(/\.js$/, '.html'))));
}

// ---------------------------------------------------------------------------------------------

describe('Flow Library scorecard (offline node-red-dev validate)', function () {
  let htmlFiles: string[] = [];
  const definitions = new Map<string, { def: NodeDefinition; html: string; file: string }>();

  before(function () {
    this.timeout(180_000);
    if (!distComplete()) execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'pipe' });
    htmlFiles = readdirSync(DIST)
      .filter((f) => f.endsWith('.html'))
      .sort()
      .map((f) => path.join(DIST, f));
    for (const file of htmlFiles) {
      // A node's help lives in dist/locales/<lang>/<type>.html once it is in the message catalogs
      // (Node-RED serves it from there): the English one counts as the html's help.
      const localeHelp = path.join(DIST, 'locales/en-US', path.basename(file));
      const html = readFileSync(file, 'utf8') + (existsSync(localeHelp) ? '\n' + readFileSync(localeHelp, 'utf8') : '');
      for (const def of parseDefinitions(html)) definitions.set(def.type, { def, html, file });
    }
  });

  describe('package.json (checkpackage.js)', function () {
    it('P01: declares a license', function () {
      assert.equal(typeof pkg.license, 'string');
      assert.ok(pkg.license!.trim().length > 0);
    });

    it('P02: has a repository URL and a bugs link', function () {
      const repoUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
      assert.ok(repoUrl, 'repository.url missing');
      // The isGitUrl test of checkpackage.js.
      assert.match(repoUrl, /(?:git|ssh|https?|git@[-\w.]+):(\/\/)?(.*?)(\/?|#[-\d\w._]+?)$/);
      const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : (pkg.bugs?.url ?? pkg.bugs?.email);
      assert.ok(bugs, 'bugs.url (or email) missing');
    });

    it('P03: uses a scoped name', function () {
      assert.match(pkg.name, /^@[a-z\d][\w-.]+\/[a-z\d][\w-.]*$/);
    });

    it("P04: has the 'node-red' keyword", function () {
      assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red'));
    });

    it('P05: node-red.version accepts the current Node-RED releases (4.1.0, 5.0.0)', function () {
      const range = pkg['node-red']?.version;
      assert.ok(range, 'node-red.version missing');
      assert.ok(semver.validRange(range), `invalid range ${range}`);
      for (const v of ['4.1.0', '5.0.0']) assert.ok(semver.satisfies(v, range), `${v} does not satisfy ${range}`);
      // The nodes need the Node-RED 4 editor and runtime APIs: the range must not claim older ones.
      const min = semver.minVersion(range);
      assert.ok(min && semver.gte(min, '4.0.0'), `minimum ${min?.version} is below 4.0.0`);
    });

    it('P06: engines.node accepts Node 20.0.0 and 22.9.0', function () {
      const range = pkg.engines?.node;
      assert.ok(range, 'engines.node missing');
      for (const v of ['20.0.0', '22.9.0']) assert.ok(semver.satisfies(v, range), `${v} does not satisfy ${range}`);
      // checkpackage.js checks that minVersion(engines.node of the latest Node-RED on npm) satisfies our
      // range; 20.0.0 and 22.9.0 stand in for that minimum, offline.
    });

    it('D01: has at most 6 dependencies', function () {
      const count = Object.keys(pkg.dependencies ?? {}).length;
      assert.ok(count <= 6, `${count} dependencies`);
    });

    it('D02: no known-incompatible package (agent-base < 6) in the installed dependency tree', function () {
      const bad: Record<string, string> = { 'agent-base': '<6.0.0' };
      const seen = new Set<string>();
      const found: string[] = [];
      const visit = (name: string, fromDir: string) => {
        // Node's resolution: node_modules of the requiring package, then up to the root.
        let dir = fromDir;
        let pkgDir: string | undefined;
        for (;;) {
          const candidate = path.join(dir, 'node_modules', name);
          if (existsSync(path.join(candidate, 'package.json'))) {
            pkgDir = candidate;
            break;
          }
          if (path.resolve(dir) === ROOT || path.dirname(dir) === dir) break;
          dir = path.dirname(dir);
        }
        if (!pkgDir || seen.has(pkgDir)) return;
        seen.add(pkgDir);
        const dep = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as PackageJson & { version: string };
        const range = bad[name];
        if (range && semver.satisfies(dep.version, range)) found.push(`${name}@${dep.version}`);
        for (const child of Object.keys(dep.dependencies ?? {})) visit(child, pkgDir);
      };
      for (const name of Object.keys(pkg.dependencies ?? {})) visit(name, ROOT);
      assert.ok(seen.size >= Object.keys(pkg.dependencies ?? {}).length, 'dependencies are not installed');
      assert.deepEqual(found, []);
    });

    it('declares node files that exist in dist (js and html)', function () {
      const entries = Object.entries(nodeFiles);
      assert.ok(entries.length > 0, 'node-red.nodes is empty');
      for (const [set, file] of entries) {
        assert.match(file, /^dist\/[^/]+\.js$/, `${set}: ${file} is not in dist/`);
        assert.ok(existsSync(path.join(ROOT, file)), `${file} missing`);
        assert.ok(existsSync(path.join(ROOT, file.replace(/\.js$/, '.html'))), `${file.replace(/\.js$/, '.html')} missing`);
      }
    });

    it('declares every built node type, and each set is named after the type its html registers', function () {
      const built = htmlFiles.map((f) => path.basename(f, '.html')).sort();
      assert.deepEqual(Object.keys(nodeFiles).sort(), built);
      for (const [set, file] of Object.entries(nodeFiles)) assert.equal(path.basename(file, '.js'), set);
    });
  });

  describe('node definitions in dist/*.html (checknodes.js)', function () {
    it('has at least one node html', function () {
      assert.ok(htmlFiles.length > 0);
    });

    it('every html registers exactly its own type with a literal RED.nodes.registerType call', function () {
      for (const file of htmlFiles) {
        const base = path.basename(file, '.html');
        const html = readFileSync(file, 'utf8');
        const defs = parseDefinitions(html);
        assert.equal(defs.length, 1, `${base}: expected one registerType call, found ${defs.length}`);
        const def = defs[0]!;
        assert.deepEqual(def.errors, [], `${base}: ${def.errors.join(', ')}`);
        assert.equal(def.type, base, `${base}.html registers ${def.type}`);
        assert.match(def.type, /^lpr-[a-z-]+$/);
      }
    });

    it('every html has the dialog template and the help for its type', function () {
      for (const [type, { html }] of definitions) {
        assert.ok(html.includes(`data-template-name="${type}"`), `${type}: no data-template-name`);
        assert.ok(helpOf(html, type) !== undefined, `${type}: no data-help-name (inline or in dist/locales/en-US)`);
        assert.ok((helpOf(html, type) ?? '').trim().length > 200, `${type}: help is empty`);
      }
    });

    it("flow nodes are in the 'LPR' category with a literal color and an existing icon; config nodes are 'config'", function () {
      const coreIcons = path.join(ROOT, 'node_modules/@node-red/nodes/icons');
      for (const [type, { def }] of definitions) {
        assert.ok(typeof def.category === 'string', `${type}: category missing`);
        if (def.category === 'config') continue;
        assert.equal(def.category, 'LPR', `${type}: category`);
        assert.match(String(def.color), /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/, `${type}: color`);
        assert.equal(typeof def.inputs, 'number', `${type}: inputs`);
        assert.equal(typeof def.outputs, 'number', `${type}: outputs`);
        const icon = String(def.icon ?? '');
        assert.ok(icon, `${type}: icon missing`);
        if (!icon.startsWith('font-awesome/')) {
          assert.ok(existsSync(path.join(DIST, 'icons', icon)) || existsSync(path.join(coreIcons, icon)), `${type}: icon ${icon} not found`);
        }
      }
    });

    it('every flow node type has an icon of its own: a 40x60 SVG of the package', function () {
      const icons = new Map<string, string>();
      for (const [type, { def }] of definitions) {
        if (def.category === 'config') continue;
        const icon = String(def.icon ?? '');
        assert.ok(!icons.has(icon), `${type} shares the icon ${icon} with ${icons.get(icon)}`);
        icons.set(icon, type);
        assert.match(icon, /\.svg$/, `${type}: icon ${icon}`);
        const svg = readFileSync(path.join(DIST, 'icons', icon), 'utf8');
        assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="40" height="60" viewBox="0 0 40 60"/, `${type}: ${icon} is not a 40x60 SVG`);
      }
    });

    it('every property (defaults and credentials) is documented in the help', function () {
      for (const [type, { def, html }] of definitions) {
        const help = helpOf(html, type) ?? '';
        assert.ok(def.defaults.length > 0, `${type}: no defaults`);
        const missing = [...def.defaults, ...def.credentials].filter((key) => !new RegExp(`\\b${key}\\b`).test(help));
        assert.deepEqual(missing, [], `${type}: help does not mention ${missing.join(', ')}`);
      }
    });

    it('every property has an input in the dialog template', function () {
      for (const [type, { def, html }] of definitions) {
        const template = section(html, 'template', type) ?? '';
        const prefix = def.category === 'config' ? 'node-config-input' : 'node-input';
        const missing = [...def.defaults, ...def.credentials].filter((key) => !template.includes(`id="${prefix}-${key}"`));
        assert.deepEqual(missing, [], `${type}: no input for ${missing.join(', ')}`);
      }
    });
  });

  describe('examples (checknodes.js N02)', function () {
    const exampleFiles = allFiles(EXAMPLES);
    const parsed = exampleFiles.map((file) => {
      try {
        return { file, nodes: JSON.parse(readFileSync(file, 'utf8')) as unknown, error: '' };
      } catch (err) {
        return { file, nodes: [] as unknown, error: (err as Error).message };
      }
    });

    it('has examples, every one a JSON array of nodes (a flow export)', function () {
      assert.ok(exampleFiles.length > 0, 'no files under examples/');
      for (const { file, nodes, error } of parsed) {
        assert.equal(error, '', `${file}: not JSON`);
        assert.ok(file.endsWith('.json'), `${file}: not .json`);
        assert.ok(Array.isArray(nodes), `${file}: not an array`);
        for (const n of nodes as Array<Record<string, unknown>>) {
          assert.equal(typeof n.id, 'string', `${file}: node without id`);
          assert.equal(typeof n.type, 'string', `${file}: node ${String(n.id)} without type`);
        }
      }
    });

    it('every non-config node type is used in an example', function () {
      const used = new Set(parsed.flatMap(({ nodes }) => (nodes as Array<{ type: string }>).map((n) => n.type)));
      const flowTypes = [...definitions.values()].filter(({ def }) => def.category !== 'config').map(({ def }) => def.type);
      assert.ok(flowTypes.length > 0);
      const missing = flowTypes.filter((t) => !used.has(t));
      assert.deepEqual(missing, [], `no example uses ${missing.join(', ')}`);
    });

    it('examples are self-contained: unique ids, wires, tabs and config references resolve', function () {
      for (const { file, nodes } of parsed) {
        const list = nodes as Array<Record<string, unknown>>;
        const ids = new Set<string>();
        for (const n of list) {
          assert.ok(!ids.has(n.id as string), `${file}: duplicate id ${String(n.id)}`);
          ids.add(n.id as string);
        }
        for (const n of list) {
          if (typeof n.z === 'string' && n.z !== '') assert.ok(ids.has(n.z), `${file}: ${String(n.id)} is on missing tab ${n.z}`);
          for (const port of (n.wires as string[][] | undefined) ?? []) {
            for (const target of port) assert.ok(ids.has(target), `${file}: ${String(n.id)} wired to missing ${target}`);
          }
          if (n.type === 'catch' && Array.isArray(n.scope)) {
            for (const target of n.scope as string[]) assert.ok(ids.has(target), `${file}: catch scoped to missing ${target}`);
          }
          // Our config-node references (e.g. broker) must point at a node of that type in the file.
          const entry = definitions.get(n.type as string);
          if (!entry) continue;
          for (const key of entry.def.defaults) assert.ok(key in n, `${file}: ${String(n.id)} lacks property ${key}`);
          const ref = entry.def.category === 'config' ? undefined : n.broker;
          if (typeof ref === 'string' && ref) {
            const target = list.find((m) => m.id === ref);
            assert.ok(target, `${file}: ${String(n.id)} uses missing broker ${ref}`);
            assert.equal(target.type, 'lpr-broker');
          }
        }
      }
    });
  });
});
