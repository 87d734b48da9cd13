/**
 * `npm run bench [-- scenario ...] [--option value ...]`: runs the named scenarios (default: all),
 * one after another, each in its own process; options (e.g. `--duration 5`) go to every scenario.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SCENARIOS = ['health', 'analytics', 'blacklist', 'outbox', 'camera-acks', 'ack-path', 'drain', 'latency', 'scaleout', 'profile', 'intake', 'watchlist', 'history', 'store', 'site', 'growth', 'retained', 'subscriptions'];
const args = process.argv.slice(2);
const wanted: string[] = [];
const options: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (!a.startsWith('-')) wanted.push(a);
  else {
    options.push(a);
    // `--name value`: the value belongs to the option, not the scenario list.
    if (!a.includes('=') && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-') && !SCENARIOS.includes(args[i + 1]!)) options.push(args[++i]!);
  }
}
const run = wanted.length ? wanted : SCENARIOS;
for (const name of run) {
  if (!SCENARIOS.includes(name)) {
    console.error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, `${name}.ts`), ...options], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
