// Builds dist/: the runtime once (runtime.js, CommonJS: every node's register function), a thin
// file per node that Node-RED 4 `require`s (lpr-<type>.js, taking its function from runtime.js) and,
// beside it, the editor .html: the editor TypeScript bundled into a <script>, then the dialog template
// and the help. Node types are the folders of src/editor; each has index.ts, template.html, help.html.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const editorDir = path.join(root, 'src/editor');
const localesDir = path.join(root, 'locales');
// The runtime dependencies are left to npm (package.json "dependencies"), never bundled.
const dependencies = Object.keys(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).dependencies ?? {});

const types = (await readdir(editorDir, { withFileTypes: true }))
  .filter((d) => d.isDirectory() && d.name.startsWith('lpr-'))
  .map((d) => d.name)
  .sort();

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

// Runtime: one bundle for every node, with the runtime dependencies left to npm. Every node file
// requires it, so Node's module cache holds one copy of the protocol, the runtime and their state
// (the registry of broker connections and camera health is a plain module-level Map).
await build({
  stdin: {
    contents: types.map((t) => `exports[${JSON.stringify(t)}] = require(${JSON.stringify(`./src/nodes/${t}.ts`)});`).join('\n'),
    resolveDir: root,
    sourcefile: 'runtime.js',
    loader: 'js',
  },
  outfile: path.join(dist, 'runtime.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: [...dependencies, 'node-red'],
  sourcemap: false,
  logLevel: 'warning',
});
// The library entry (package.json "main"): the plate normaliser for function nodes' Setup › Modules.
await build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(dist, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
const runtime = createRequire(import.meta.url)(path.join(dist, 'runtime.js'));
for (const type of types) {
  if (typeof runtime[type] !== 'function') throw new Error(`dist/runtime.js: ${type} exports no register function (src/nodes/${type}.ts)`);
  await writeFile(
    path.join(dist, `${type}.js`),
    `// ${type}: the file Node-RED loads; its code is in runtime.js, which every node of the package shares.\n` +
      `module.exports = require('./runtime.js')[${JSON.stringify(type)}];\n`,
  );
}

// Editor: each node's script is an IIFE for the browser. esbuild keeps the call
// RED.nodes.registerType('lpr-…', {…}) with its object literal, which the scorecard parses.
// The classes every dialog shares (hints, inline checkboxes, sections), once in the source.
const dialogCss = await readFile(path.join(editorDir, 'shared/dialog.css'), 'utf8');
for (const type of types) {
  const dir = path.join(editorDir, type);
  const out = await build({
    entryPoints: [path.join(dir, 'index.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2019',
    logLevel: 'warning',
  });
  const script = out.outputFiles[0].text;
  const template = `<style>\n${dialogCss.trim()}\n</style>\n` + (await readFile(path.join(dir, 'template.html'), 'utf8'));
  // Help comes from locales/<lang>/<type>.html (Node-RED picks the reader's language); a node not
  // moved there yet keeps its help.html inline.
  const inlineHelp = existsSync(path.join(localesDir, 'en-US', `${type}.html`)) ? null : await readFile(path.join(dir, 'help.html'), 'utf8');
  const html = [
    `<script type="text/javascript">\n${script}</script>`,
    `<script type="text/html" data-template-name="${type}">\n${template.trim()}\n</script>`,
    ...(inlineHelp === null ? [] : [`<script type="text/html" data-help-name="${type}">\n${inlineHelp.trim()}\n</script>`]),
    '',
  ].join('\n');
  await writeFile(path.join(dist, `${type}.html`), html);
}

// Message catalogs and help, per language: Node-RED reads dist/locales/<lang>/<type>.json (the
// node's namespace, for RED._ at runtime and data-i18n / this._ in the editor) and <type>.html (the
// help). The strings every node shares (locales/<lang>/common.json) are merged into each catalog,
// since a node's RED._ only reads its own.
for (const lang of await readdir(localesDir)) {
  const src = path.join(localesDir, lang);
  const out = path.join(dist, 'locales', lang);
  await mkdir(out, { recursive: true });
  const common = JSON.parse(await readFile(path.join(src, 'common.json'), 'utf8'));
  for (const type of types) {
    const own = path.join(src, `${type}.json`);
    const catalog = { ...common, ...(existsSync(own) ? JSON.parse(await readFile(own, 'utf8')) : {}) };
    await writeFile(path.join(out, `${type}.json`), JSON.stringify(catalog, null, 2) + '\n');
    const help = path.join(src, `${type}.html`);
    if (existsSync(help)) await cp(help, path.join(out, `${type}.html`));
  }
}

// Command-line tools (package.json "bin"): src/bin/<name>.ts -> dist/bin/<name>.js.
const binDir = path.join(root, 'src/bin');
if (existsSync(binDir)) {
  const bins = (await readdir(binDir)).filter((f) => f.endsWith('.ts'));
  // lpr-sim's plate pictures: the two font files are embedded, so the installed package needs no
  // font package (a devDependency); their licence (SIL OFL 1.1) goes beside the bin.
  const fontDir = path.join(root, 'node_modules/@fontsource/sarabun');
  const embedFonts = {
    name: 'embed-plate-fonts',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]sim[\\/]image[\\/]fonts\.ts$/ }, async () => {
        const files = ['sarabun-thai-700-normal.woff', 'sarabun-latin-700-normal.woff'];
        const data = {};
        for (const f of files) data[f] = (await readFile(path.join(fontDir, 'files', f))).toString('base64');
        return {
          loader: 'ts',
          contents:
            '/*! Sarabun Bold (Thai and Latin subsets) by Cadson Demak, SIL Open Font License 1.1: see lpr-sim-font-LICENSE.txt */\n' +
            `const DATA: Record<string, string> = ${JSON.stringify(data)};\n` +
            `export const FONT_FILES = ${JSON.stringify(files)} as const;\n` +
            'export function fontBytes(file: string): Uint8Array { return Buffer.from(DATA[file]!, "base64"); }\n',
        };
      });
    },
  };
  await build({
    plugins: [embedFonts],
    // opentype.js's own minified build: a third of its size in the bin.
    alias: { 'opentype.js': path.join(root, 'node_modules/opentype.js/dist/opentype.min.js') },
    entryPoints: bins.map((f) => path.join(binDir, f)),
    outdir: path.join(dist, 'bin'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: dependencies,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  for (const f of bins) await chmod(path.join(dist, 'bin', f.replace(/\.ts$/, '.js')), 0o755);
  await cp(path.join(fontDir, 'LICENSE'), path.join(dist, 'bin', 'lpr-sim-font-LICENSE.txt'));
}

if (existsSync(path.join(root, 'src/icons'))) await cp(path.join(root, 'src/icons'), path.join(dist, 'icons'), { recursive: true });
console.log(`built ${types.length} node types: ${types.join(', ')}`);
