// Who may have written a file we trust, and reading a manifest without blocking. One checker for the
// manifests a repository brings (ssh's StrictModes and git's safe.directory: the file and every folder up
// to / owned by the user or root, and writable by no one else) and for the daemon's own state and config
// folders (stricter: owned by the user, no symlinks, closed to group and others).
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { deniedError, inputError } from '@latchkey/core/errors';

/** The largest manifest read unless config.json says otherwise (manifestMaxBytes). */
export const MANIFEST_MAX_BYTES = 256 * 1024;

/** The user whose files are trusted: the uid and the primary gid of this process. */
export interface Trustee {
  uid: number;
  gid: number;
}

/** This process's user. */
export function currentTrustee(): Trustee {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

const mode4 = (st: Stats) => (st.mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Why a file or folder someone other than `who` could have written is not to be trusted, or undefined.
 * Owned by the user or root; not writable by others (a root-owned sticky folder such as /tmp is fine:
 * others can add files there but not replace ours); group-writable only for the user's own primary
 * group (the user-private-group setup of Debian and Ubuntu, where umask 002 is the default).
 */
export function foreignWriteProblem(path: string, st: Stats, who: Trustee): string | undefined {
  if (st.uid !== who.uid && st.uid !== 0) return `${path} is owned by uid ${st.uid}, not by you (uid ${who.uid}) or root`;
  const stickyRootFolder = st.isDirectory() && st.uid === 0 && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o002) !== 0 && !stickyRootFolder) return `${path} is writable by other users (mode ${mode4(st)})`;
  if ((st.mode & 0o020) !== 0 && st.gid !== who.gid && !stickyRootFolder) return `${path} is writable by group ${st.gid} (mode ${mode4(st)})`;
  return undefined;
}

/** The first folder from `dir` (a real path) up to / that someone else could have written, or undefined. */
export function folderChainProblem(dir: string, who: Trustee): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const problem = foreignWriteProblem(d, statSync(d), who);
    if (problem) return problem;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Refuses a manifest that someone other than the user could have written: the file (through a symlink,
 * the link's own folder as well as the file it leads to) and every folder above it. Denied (77), path named.
 */
export function assertManifestTrusted(path: string, who: Trustee = currentTrustee()): void {
  const problem = manifestTrustProblem(path, who);
  if (problem) {
    throw deniedError(`refusing manifest ${path}: ${problem}`, 'make it and its folders yours and writable only by you (chown, chmod go-w), or move the project');
  }
}

function manifestTrustProblem(path: string, who: Trustee): string | undefined {
  const link = lstatSync(path);
  if (link.isSymbolicLink()) {
    if (link.uid !== who.uid && link.uid !== 0) return `the symlink ${path} is owned by uid ${link.uid}, not by you (uid ${who.uid}) or root`;
    const problem = folderChainProblem(realpathSync(dirname(path)), who);
    if (problem) return problem;
  }
  const real = realpathSync(path);
  return foreignWriteProblem(real, statSync(real), who) ?? folderChainProblem(dirname(real), who);
}

/**
 * Refuses one of the daemon's own folders or files unless it is the user's: not a symlink, the kind
 * expected, owned by the user and closed to group and others for writing; the folders above it are
 * judged as a manifest's are. A missing path is fine (the daemon creates what it needs).
 */
export function assertPrivatePath(path: string, kind: 'folder' | 'file', who: Trustee = currentTrustee()): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const fix = `run: chown ${who.uid} ${path} && chmod go-w ${path}, or remove it`;
  if (st.isSymbolicLink()) throw deniedError(`${path} is a symlink; refusing to use it`, `replace it with a ${kind}`);
  if (kind === 'folder' ? !st.isDirectory() : !st.isFile()) throw deniedError(`${path} is not a ${kind}`, `replace it with a ${kind}`);
  if (st.uid !== who.uid) throw deniedError(`${path} is owned by uid ${st.uid}, not by you (uid ${who.uid})`, fix);
  if ((st.mode & 0o022) !== 0) throw deniedError(`${path} is writable by others (mode ${mode4(st)})`, fix);
  const above = folderChainProblem(realpathSync(dirname(path)), who);
  if (above) throw deniedError(`refusing ${path}: ${above}`, 'make the folders above it writable only by you or root');
}

/**
 * Reads a manifest without ever blocking: opened with O_NONBLOCK (a FIFO or a terminal returns at once
 * instead of waiting for a writer), then it must be a regular file (fstat of what was opened, so no
 * swap in between) of at most `maxBytes`. With `noFollow`, a symlink at `path` itself is refused (the
 * caller has resolved it). Errors are input errors (65) naming the file.
 */
export function readManifestFile(path: string, opts: { maxBytes?: number; noFollow?: boolean } = {}): Buffer {
  const maxBytes = opts.maxBytes ?? MANIFEST_MAX_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`cannot read manifest ${path}${code ? ` (${code})` : ''}`, 'check the path, or create agent.env with NAME=agent://secret-name lines');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw inputError(`manifest ${path} is not a regular file`, 'a manifest must be a plain file (not a FIFO, a device or a folder)');
    if (st.size > maxBytes) throw tooLarge(path, maxBytes);
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, got);
    // The file may have grown since fstat: what was read decides.
    if (got > maxBytes) throw tooLarge(path, maxBytes);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, maxBytes: number) {
  return inputError(`manifest ${path} is larger than ${maxBytes} bytes`, 'split it, or raise manifestMaxBytes in config.json');
}
