/**
 * The plate font: Sarabun Bold (Cadson Demak, SIL Open Font License 1.1), its Thai and Latin subsets
 * from the @fontsource/sarabun package. Read from node_modules here; the build embeds the two
 * files into dist/bin/lpr-sim.js (scripts/build.mjs), so the installed package needs no font package.
 */
import { readFileSync } from 'node:fs';

export const FONT_FILES = ['sarabun-thai-700-normal.woff', 'sarabun-latin-700-normal.woff'] as const;
export type FontFile = (typeof FONT_FILES)[number];

export function fontBytes(file: FontFile): Uint8Array {
  return readFileSync(require.resolve(`@fontsource/sarabun/files/${file}`));
}
