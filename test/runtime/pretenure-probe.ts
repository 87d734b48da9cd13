/**
 * Run as `node --allow-natives-syntax --no-lazy-feedback-allocation --no-concurrent-recompilation
 * --import tsx pretenure-probe.ts` (test/runtime/pretenure.test.ts; optimizing on the main thread
 * makes when the decision takes effect certain). Tells V8 to pretenure whatever allocation site made
 * each part of a detection's msg (as V8 decides by itself when such objects outlive young
 * collections), then prints, as JSON, how many of the parts of 1,000 msgs made afterwards, by
 * optimized code, are old from birth. The `%` natives are V8's, reachable only through
 * `new Function` under that flag.
 */
import { detectionMessages } from '../../src/runtime/detection-intake';
import type { Detection } from '../../src/protocol';
import { seedDetection } from '../fixtures/samples';

const young = new Function('o', 'return %InYoungGeneration(o)') as (o: object) => boolean;
const pretenure = new Function('o', 'return %PretenureAllocationSite(o)') as (o: object) => boolean;
const collect = new Function('%CollectGarbage(null)') as () => void;

const TOPIC = 'lprserver/cameras/CAM001/detections';
const detection = seedDetection() as Detection;

const make = (split: boolean) => detectionMessages(TOPIC, detection, Date.now(), split);
const parts = (msgs: ReturnType<typeof make>) => ({ array: msgs, msg: msgs[0]!, lpr: msgs[0]!.lpr, site: msgs[0]!.lpr.site, detected: msgs[0]!.lpr.site.detected! });

const out: Record<string, { marked: number; old: number; of: number }> = {};

// The control: an object literal, which the same steps must make old, or the probe proves nothing.
const literal = (i: number) => ({ i, text: 'x' });
literal(1);
literal(2);
const controlMarked = pretenure(literal(3));
collect();
for (let i = 0; i < 50_000; i++) literal(i);
out['control literal'] = { marked: controlMarked ? 1 : 0, old: 0, of: 1000 };
for (let i = 0; i < 1000; i++) if (!young(literal(i))) out['control literal']!.old++;
for (const split of [false, true]) {
  make(split);
  make(split);
  const sample = parts(make(split));
  const marked: Record<string, boolean> = {};
  for (const [name, o] of Object.entries(sample)) marked[name] = pretenure(o);
  collect();
  // Optimized code is what honours the decision: run until V8 has optimized all of it.
  for (let i = 0; i < 50_000; i++) make(split);
  for (const name of Object.keys(sample)) out[`${split ? 'split' : 'whole'} ${name}`] = { marked: marked[name] ? 1 : 0, old: 0, of: 1000 };
  for (let i = 0; i < 1000; i++) {
    for (const [name, o] of Object.entries(parts(make(split)))) if (!young(o)) out[`${split ? 'split' : 'whole'} ${name}`]!.old++;
  }
}
console.log(JSON.stringify(out));
