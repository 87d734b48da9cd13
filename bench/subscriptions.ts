/**
 * Subscription matching scenario (which of a connection's subscriptions an MQTT 3.1.1 message is
 * for, once per inbound message): µs per lookup with cameras publishing detections and health in
 * turn, at 100, 10,000 and 100,000 cameras, in-process, each topic a fresh string as MQTT.js
 * delivers it. The filters: the ones a whole site's nodes subscribe (root `lprserver`). The
 * baseline in the same run: the former matching (every filter asked, the answer remembered per topic
 * and the memory started over at 50,000 topics); and the floor, the lookup's own topic string made and
 * nothing matched (reading 200,000 topics in a stride misses the CPU caches by itself).
 * Options: --lookups 1000000 --runs 3 --counts 100,10000,100000
 */
import { option, textOption } from './lib/args';
import { printTable, saveResult } from './lib/report';
import { median } from './lib/site';
import { TopicTree } from '../src/protocol';
import { SubscriptionIndex } from '../src/runtime/subscription-index';
import { TopicFilter } from '../src/runtime/topic-match';

const LOOKUPS = option('lookups', 1_000_000);
const RUNS = option('runs', 3);
const COUNTS = (textOption('counts') ?? '100,10000,100000').split(',').map(Number);

const topics = new TopicTree();
const FILTERS = [
  topics.filter('detection'),
  topics.imageFilter(null),
  topics.filter('health'),
  topics.filter('config'),
  topics.filter('configRequest'),
  topics.filter('controlResponse'),
  topics.filter('blacklistUpdates'),
  topics.filter('blacklistRequest'),
  topics.filter('systemControl'),
];
const subs = FILTERS.map((filter) => ({ filter, matcher: new TopicFilter(filter) }));
type Sub = (typeof subs)[number];

/** The former subscriptionsFor of broker-connection.ts. */
function formerMatching(): (topic: string) => readonly Sub[] {
  const memory = new Map<string, Sub[]>();
  return (topic) => {
    let found = memory.get(topic);
    if (found === undefined) {
      found = [];
      for (const sub of subs) if (sub.matcher.matches(topic)) found.push(sub);
      if (memory.size >= 50_000) memory.clear();
      memory.set(topic, found);
    }
    return found;
  };
}

/** The floor: no matching at all (one answer for every topic, so that measure's check holds). */
const ANY: readonly Sub[] = [subs[0]!];
function noMatching(): (topic: string) => readonly Sub[] {
  return () => ANY;
}

function indexMatching(): (topic: string) => readonly Sub[] {
  const index = new SubscriptionIndex<Sub>();
  index.reset(subs);
  return (topic) => index.match(topic);
}

/** µs per lookup once every topic was looked up once; the topics in a stride, not in order. */
function measure(make: () => (topic: string) => readonly Sub[], cameras: number): number {
  const match = make();
  const names = Array.from({ length: cameras }, (_, i) => [topics.topic('detection', `CAM${i}`), topics.topic('health', `CAM${i}`)]).flat();
  // A fresh string per message, as MQTT.js decodes each topic anew.
  const fresh = (i: number) => (' ' + names[(i * 7919) % names.length]!).slice(1);
  let found = 0;
  for (let i = 0; i < names.length; i++) found += match(fresh(i)).length;
  const t0 = performance.now();
  for (let i = 0; i < LOOKUPS; i++) found += match(fresh(i)).length;
  const us = ((performance.now() - t0) * 1000) / LOOKUPS;
  if (found < LOOKUPS) throw new Error('a topic matched no subscription');
  return us;
}

function main() {
  const rows = COUNTS.map((cameras) => {
    const a: number[] = [];
    const b: number[] = [];
    const f: number[] = [];
    // Interleaved, so that all see the same machine.
    for (let r = 0; r < RUNS; r++) {
      a.push(measure(indexMatching, cameras));
      b.push(measure(formerMatching, cameras));
      f.push(measure(noMatching, cameras));
    }
    return { cameras, ours: median(a), baseline: median(b), floor: median(f), runsOurs: a, runsBaseline: b };
  });
  printTable(
    `Subscription matching, µs per lookup, ${FILTERS.length} filters, ${LOOKUPS} lookups, median of ${RUNS}; baseline: the former matching, memory started over at 50,000 topics (command: npm run bench -- subscriptions)`,
    rows.map((r) => ({
      'cameras (topics)': `${r.cameras.toLocaleString('en-US')} (${(2 * r.cameras).toLocaleString('en-US')})`,
      'µs per lookup': r.ours.toFixed(3),
      'baseline µs': r.baseline.toFixed(3),
      'ratio to baseline': (r.ours / r.baseline).toFixed(2),
      'floor µs': r.floor.toFixed(3),
      'over the floor: ours / baseline': `${(r.ours - r.floor).toFixed(3)} / ${(r.baseline - r.floor).toFixed(3)}`,
      'runs': r.runsOurs.map((x) => x.toFixed(3)).join(' / '),
      'baseline runs': r.runsBaseline.map((x) => x.toFixed(3)).join(' / '),
    })),
  );
  console.log(`saved ${saveResult('subscriptions', { filters: FILTERS, lookups: LOOKUPS, runs: RUNS, rows })}`);
}

main();
