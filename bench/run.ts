/** `npm run bench [-- scenario ...]`: runs the named scenarios (default: all), one after another. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SCENARIOS = ['health', 'blacklist'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const run = wanted.length ? wanted : SCENARIOS;
for (const name of run) {
  if (!SCENARIOS.includes(name)) {
    console.error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, `${name}.ts`)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
