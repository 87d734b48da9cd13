/**
 * Every relative link and image in the README and docs/ points at a file that exists, and every
 * `#anchor` at a heading of its target: the README is a front page, the rest lives in docs/.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '..');

function markdownFiles(): string[] {
  const out = [path.join(repo, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(path.join(repo, 'docs'));
  return out;
}

/** Markdown outside fenced code blocks and inline code spans (links there are not links). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of text.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(text: string): string[] {
  const out: string[] = [];
  for (const m of prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]!);
  return out;
}

describe('docs: links', () => {
  const files = markdownFiles();

  it('the README and docs/ hold markdown to check', () => {
    assert.ok(files.length >= 5, files.join(', '));
  });

  for (const file of files) {
    const rel = path.relative(repo, file);
    it(`${rel}: every relative link resolves, with its anchor`, () => {
      const problems: string[] = [];
      for (const target of links(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [p, anchor] = target.split('#', 2) as [string, string | undefined];
        const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
        if (!dest.startsWith(repo + path.sep) && dest !== repo) problems.push(`${target}: outside the repository`);
        else if (!existsSync(dest)) problems.push(`${target}: no such file`);
        else if (anchor && dest.endsWith('.md') && !anchors(readFileSync(dest, 'utf8')).has(anchor)) problems.push(`${target}: no heading #${anchor}`);
      }
      assert.deepEqual(problems, []);
    });
  }

  it('the README shows its images by absolute URL (npm and the Flow Library do not serve the repository)', () => {
    const images = [...prose(readFileSync(path.join(repo, 'README.md'), 'utf8')).matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]!);
    assert.ok(images.length > 0);
    for (const src of images) assert.match(src, /^https:\/\//);
  });

  it('the anchor rule follows GitHub for the headings we link to', () => {
    const a = anchors('## lpr-broker (config)\n## Deploying Mosquitto with `lpr-mosquitto`\n## lpr-sim, the camera simulator\n## Two\n## Two');
    for (const want of ['lpr-broker-config', 'deploying-mosquitto-with-lpr-mosquitto', 'lpr-sim-the-camera-simulator', 'two', 'two-1']) assert.ok(a.has(want), want);
  });
});
