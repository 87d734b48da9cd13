// The `npm start` demo's Node-RED user dir: this package linked in, settings, the example flows
// pointed at the demo's broker and ports (keeping the user's edits), logins and function modules.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Example files that need a service the demo does not run: their tabs are deployed disabled. Named
 * by file, not guessed from node types: the PostgreSQL example talks to the database from function
 * nodes (the `pg` module), which no node type gives away. test/demo-flows.test.ts checks that every
 * example file talking to PostgreSQL or a mail server is listed here.
 */
export const NEEDS_SERVICE = {
  'blacklist-to-email.json': 'a mail server (SMTP)',
  'detections-to-postgres.json': 'a PostgreSQL database',
};

/** The example file the demo is about: its tabs come first, so the editor opens on the dashboard flow. */
export const FIRST_EXAMPLE = 'demo-dashboard.json';

/**
 * The one debug node the demo leaves on: input the dashboard flow rejected (a malformed detection,
 * an invalid command). The ~40 other debug nodes of the examples are deployed off (each can be
 * switched on with its button) so that the Debug sidebar is not a firehose.
 */
export const DEMO_DEBUG_ON = new Set(['lpr-dash-debug-rejected']);

/** Every example flow, each node once (the first file wins an id), with the file it came from. */
function exampleNodes(root) {
  const dir = path.join(root, 'examples/flows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  // The dashboard flow first: Node-RED opens the editor on the first tab of the flow file.
  files.sort((a, b) => Number(b === FIRST_EXAMPLE) - Number(a === FIRST_EXAMPLE));
  const seen = new Set();
  const nodes = [];
  for (const file of files) {
    for (const node of JSON.parse(readFileSync(path.join(dir, file), 'utf8'))) {
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      nodes.push({ file, node });
    }
  }
  return nodes;
}

/** Tabs of examples needing a mail server or a database the demo does not have stay visible but disabled. */
function disableOutsideServiceTabs(entries) {
  for (const { file, node } of entries) {
    const service = NEEDS_SERVICE[file];
    if (node.type === 'tab' && service) {
      node.disabled = true;
      node.info = `${node.info ?? ''}\n\n(\`npm start\` deploys this tab disabled: it needs ${service}, which the demo does not run. Enable it in the tab's properties once you have set it up.)`.trim();
    }
  }
  return entries.map((e) => e.node);
}

/**
 * One acker per camera. A camera drops a detection at the first ack it gets, and every
 * lpr-detection-in with `ack` on acks on its own: with all the examples deployed together, the
 * dashboard's and the other tabs' acks on hand-over would reach the cameras before the SQLite tab
 * has stored the rows it acks on completion, so a failed write would never be resent. When an
 * enabled tab's detection-in acks on completion, the other enabled detection-in nodes stay silent.
 */
function oneAcker(nodes) {
  const disabled = new Set(nodes.filter((n) => n.type === 'tab' && n.disabled).map((n) => n.id));
  const live = nodes.filter((n) => n.type === 'lpr-detection-in' && !disabled.has(n.z) && n.ack !== false);
  const storing = live.filter((n) => n.ackWhen === 'complete');
  if (storing.length === 0) return nodes;
  for (const n of live) if (!storing.includes(n)) n.ack = false;
  return nodes;
}

/** Debug nodes off in the demo, but for DEMO_DEBUG_ON. */
function quietDebugNodes(nodes) {
  for (const node of nodes) if (node.type === 'debug') node.active = DEMO_DEBUG_ON.has(node.id);
  return nodes;
}

/** The broker URL without its login, and the login (from `mqtt://user:password@host`), if any. */
export function splitLogin(brokerUrl) {
  const url = new URL(brokerUrl);
  const login = url.username ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : null;
  url.username = '';
  url.password = '';
  return { url: url.href.replace(/\/$/, ''), login };
}

/** Points every lpr-broker at the demo's broker and the examples' http requests to this Node-RED. */
function pointAtDemo(nodes, brokerUrl, uiPort) {
  const url = new URL(brokerUrl);
  for (const node of nodes) {
    if (node.type === 'lpr-broker') {
      node.broker = url.protocol === 'mqtt:' ? url.hostname : url.href.replace(/\/$/, '');
      node.port = Number(url.port || 1883);
    } else if (node.type === 'http request' && typeof node.url === 'string') {
      node.url = node.url.replace(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, `http://127.0.0.1:${uiPort}/`);
    }
  }
  return nodes;
}

/** Writes the user dir: this package linked in, settings, and the flows (keeping the user's edits). */
export function prepareUserDir({ root, userDir, host, pkg }, brokerUrl, login, uiPort) {
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  const link = path.join(userDir, 'node_modules/@lprserver/node-red-lpr');
  // The same link `npm install <path>` makes: Node-RED loads the package as an installed module.
  // Other node modules (FlowFuse Dashboard 2, node-red-node-sqlite, ...) are found where Node-RED
  // itself is installed: it scans every node_modules folder above its own, i.e. the project's.
  rmSync(link, { force: true, recursive: true });
  symlinkSync(root, link, 'dir');
  writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  uiHost: ${JSON.stringify(host)},
  editorTheme: { tours: false, projects: { enabled: false } },
  // No update-check prompt (nor its calls to nodered.org) in a demo; the editor's User Settings can turn it on.
  telemetry: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  // Context in memory, plus a "file" store for what must survive a restart (the dashboard's language).
  contextStorage: { default: 'memory', memory: { module: 'memory' }, file: { module: 'localfilesystem' } },
};\n`,
  );
  const flowFile = path.join(userDir, 'flows.json');
  // Keep the user's edits between runs: add only example nodes not there yet, and re-point the
  // brokers and local URLs, whose ports may differ.
  const saved = existsSync(flowFile) ? JSON.parse(readFileSync(flowFile, 'utf8')) : [];
  const have = new Set(saved.map((n) => n.id));
  const added = oneAcker(quietDebugNodes(disableOutsideServiceTabs(exampleNodes(root).filter((e) => !have.has(e.node.id)))));
  const flows = pointAtDemo([...saved, ...added], brokerUrl, uiPort);
  writeFileSync(flowFile, JSON.stringify(flows, null, 2));
  writeUserPackage(userDir, root, pkg, linkFunctionModules(root, userDir, flows));
  if (login) writeBrokerLogins(userDir, flows, login);
  return flows;
}

/**
 * The login of LPR_BROKER_URL for every lpr-broker, in Node-RED's credentials file (plain JSON:
 * the settings have `credentialSecret: false`; the file stays in the git-ignored state folder).
 */
function writeBrokerLogins(userDir, flows, login) {
  const file = path.join(userDir, 'flows_cred.json');
  const creds = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const node of flows) if (node.type === 'lpr-broker') creds[node.id] = { ...creds[node.id], ...login };
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
}

/**
 * Modules that function nodes load (their Setup › Modules, e.g. `pg` in the PostgreSQL example):
 * Node-RED would `npm install` them into the user dir on deploy. Those the project has (as dev
 * dependencies) are linked instead, so the demo starts offline. Returns them as package.json deps.
 */
function linkFunctionModules(root, userDir, flows) {
  const deps = {};
  for (const node of flows) {
    for (const lib of Array.isArray(node.libs) ? node.libs : []) {
      const name = typeof lib?.module === 'string' ? lib.module.replace(/(.)@.*$/, '$1') : '';
      const source = path.join(root, 'node_modules', name);
      if (!name || name.startsWith('node:') || !existsSync(path.join(source, 'package.json'))) continue;
      const target = path.join(userDir, 'node_modules', name);
      if (!existsSync(target)) {
        mkdirSync(path.dirname(target), { recursive: true });
        rmSync(target, { force: true, recursive: true }); // a dangling link
        symlinkSync(source, target, 'dir');
      }
      deps[name] = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')).version;
    }
  }
  return deps;
}

/** The user dir's package.json: what is already there (modules installed from the palette) plus ours. */
function writeUserPackage(userDir, root, pkg, deps) {
  const file = path.join(userDir, 'package.json');
  const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const dependencies = { ...deps, ...current.dependencies, [pkg.name]: `file:${root}` };
  writeFileSync(file, JSON.stringify({ name: 'lpr-demo', private: true, ...current, dependencies }, null, 2));
}

