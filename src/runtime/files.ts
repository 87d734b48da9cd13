/**
 * The package's own files: names made from node ids, writes that replace a file whole or not at
 * all, and damaged files kept aside before anything overwrites them. No Node-RED import.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * `<node id><ext>` fit for a file name: a node id comes from a flow file (imported, hand-edited), so
 * anything but letters, digits, `_`, `.` and `-` becomes `_` and the name cannot leave its directory.
 */
export function nodeFileName(nodeId: string, ext: string): string {
  return `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}${ext}`;
}

export interface AtomicWriteOptions {
  /** Forces the data to the disk before the rename (and the rename after it): a power cut then leaves the old file or the new one. */
  fsync?: (fd: number) => void;
}

/** The temporary file a write of `file` goes through (one writer per file: a crash's leftover is overwritten by the next write). */
export function tempFileFor(file: string): string {
  return `${file}.tmp`;
}

/**
 * Replaces `file` with `data` through a temporary file and a rename, so a crash leaves the old file
 * or the new one, never half of one. Creates the directory. When any step fails the temporary file
 * is removed and the error thrown: a full disk or a failed rename leaves nothing behind.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempFileFor(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      if (data.length > 0) fs.writeFileSync(fd, data);
      options.fsync?.(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (options.fsync) syncDir(path.dirname(file));
}

/**
 * Removes the temporary files a crashed write of `file` left behind (best effort): `<file>.tmp`, and
 * `<file>.<pid>.tmp` as the outbox named them before.
 */
export function removeStaleTemp(file: string): void {
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !/^\.(?:\d+\.)?tmp$/.test(name.slice(base.length))) continue;
    try {
      fs.rmSync(path.join(path.dirname(file), name), { force: true });
    } catch {
      // a directory or no permission: the next write reports it
    }
  }
}

/**
 * Copies a damaged `file` to `<file>.corrupt-<timestamp>` (kept for inspection and manual recovery,
 * never overwritten) and returns that name. The timestamp is UTC, `:` free for every file system.
 */
export function keepAside(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  let aside = `${file}.corrupt-${stamp}`;
  for (let n = 2; fs.existsSync(aside); n++) aside = `${file}.corrupt-${stamp}-${n}`;
  fs.copyFileSync(file, aside, fs.constants.COPYFILE_EXCL);
  return aside;
}

/** Makes a rename durable (best effort: not every platform lets a directory be opened). */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // ignore
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
