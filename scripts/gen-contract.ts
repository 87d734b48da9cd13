/**
 * npm run contract: writes docs/asyncapi.yaml, docs/schemas/*.json and the topic table of
 * docs/protocol.md from src/protocol. `--check` writes nothing and exits 1 when a file is stale.
 * Files in docs/schemas that no message has any more are deleted (or reported by --check).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROTOCOL_MD, renderContract } from './contract/render';

const ROOT = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');
const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const files = renderContract(version, fs.readFileSync(path.join(ROOT, PROTOCOL_MD), 'utf8'));

let stale = 0;
for (const [file, text] of files) {
  const full = path.join(ROOT, file);
  const current = fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
  if (current === text) continue;
  stale++;
  if (check) console.error(`stale: ${file}`);
  else {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    console.log(`wrote ${file}`);
  }
}
const schemaDir = path.join(ROOT, 'docs/schemas');
for (const name of fs.existsSync(schemaDir) ? fs.readdirSync(schemaDir) : []) {
  if (files.has(`docs/schemas/${name}`)) continue;
  stale++;
  if (check) console.error(`not generated any more: docs/schemas/${name}`);
  else {
    fs.rmSync(path.join(schemaDir, name));
    console.log(`deleted docs/schemas/${name}`);
  }
}
if (check && stale > 0) {
  console.error('run npm run contract and commit the result');
  process.exit(1);
}
