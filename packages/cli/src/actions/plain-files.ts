// Finding values of known secrets left in plain files of a project: `.env*` files and any other text
// file, tracked by Git or ignored alike (an ignored `.env.local` is the usual leak). Reports file and
// secret name only; the values searched for never leave this module.
import { closeSync, fstatSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';

/** Folders never walked into: dependencies and Git's own store. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);
/** Files larger than this are not read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Values shorter than this are not searched for (too many chance matches). */
export const MIN_VALUE_LENGTH = 6;
/** The walk stops after this many files (reported). */
export const MAX_FILES = 20_000;

/** A value to look for, with the secret it belongs to. */
export interface Needle {
  secret: string;
  value: string;
}

/** One file that holds a secret's value. */
export interface Leak {
  /** The absolute path. */
  file: string;
  /** The path relative to the root searched. */
  relative: string;
  secret: string;
}

export interface ScanResult {
  leaks: Leak[];
  filesRead: number;
  /** True when the walk stopped at MAX_FILES. */
  truncated: boolean;
}

/**
 * The byte patterns to search for: each value of at least MIN_VALUE_LENGTH characters, and its
 * trimmed form too (a value stored with a trailing newline sits in a dotenv file without it).
 */
export function patterns(needles: readonly Needle[]): Array<{ secret: string; bytes: Buffer }> {
  const out: Array<{ secret: string; bytes: Buffer }> = [];
  for (const n of needles) {
    const forms = new Set([n.value, n.value.trim()]);
    for (const f of forms) if (f.length >= MIN_VALUE_LENGTH) out.push({ secret: n.secret, bytes: Buffer.from(f, 'utf8') });
  }
  return out;
}

/** Whether a file's bytes look like text (no NUL in the first 8 KiB, as Git decides). */
export function isText(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).indexOf(0) < 0;
}

/** Regular files under `root`, depth first in name order, skipping SKIPPED_DIRS and not following symlinks. */
export function* walk(root: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(root, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) yield* walk(p);
    } else if (e.isFile()) {
      yield p;
    }
  }
}

/** Reads a regular file of at most MAX_FILE_BYTES, or undefined (too big, gone, not readable, not regular). */
function readSmallFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n <= 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Every text file under `root` that holds one of the values, one leak per file and secret. */
export function findLeaks(root: string, needles: readonly Needle[]): ScanResult {
  const pats = patterns(needles);
  const leaks: Leak[] = [];
  let filesRead = 0;
  let truncated = false;
  if (pats.length === 0) return { leaks, filesRead, truncated };
  for (const file of walk(root)) {
    if (filesRead >= MAX_FILES) {
      truncated = true;
      break;
    }
    const bytes = readSmallFile(file);
    if (!bytes) continue;
    filesRead++;
    if (!isText(bytes)) continue;
    const found = new Set<string>();
    for (const p of pats) {
      if (!found.has(p.secret) && bytes.indexOf(p.bytes) >= 0) found.add(p.secret);
    }
    for (const secret of found) leaks.push({ file, relative: relative(root, file), secret });
  }
  return { leaks, filesRead, truncated };
}
