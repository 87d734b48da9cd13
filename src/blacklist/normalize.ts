/** STUB — replaced by the normalisation work. Contract in API.md. */
export interface ParsedPlate {
  key: string;
  province: string | null;
  thai: { prefix: string; letters: string; number: string } | null;
}
export function normalizePlate(raw: string): string {
  return raw.normalize('NFC').replace(/[\s.\-·]/g, '').toUpperCase();
}
export function parsePlate(raw: string): ParsedPlate {
  return { key: normalizePlate(raw), province: null, thai: null };
}
const CLASSES = ['0ODQ', '1IL', '8B', '5S', '2Z'];
const MAP = new Map<string, string>();
for (const c of CLASSES) for (const ch of c) MAP.set(ch, c[0]!);
export function lookalikeChar(ch: string): string {
  return MAP.get(ch) ?? ch;
}
export function lookalikeKey(key: string): string {
  let out = '';
  for (const ch of key) out += lookalikeChar(ch);
  return out;
}
export function substitutions(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length !== y.length) return Infinity;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    if (lookalikeChar(x[i]!) !== lookalikeChar(y[i]!)) return Infinity;
    n++;
  }
  return n;
}
