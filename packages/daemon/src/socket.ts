// The socket's folder, the stale-socket rule and the bind. SECURITY.md: a 0700 folder the user owns,
// checked with lstat (no symlinks); the socket created under umask 0177 and never chmod-ed; a path is
// unlinked only when it is a socket and a connect to it is refused.
import { lstatSync, mkdirSync, unlinkSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { deniedError, LatchkeyError, usageError } from '@latchkey/core';
import { assertSocketPathLength } from '@latchkey/protocol';

/** Creates the socket's folder (0700) when missing, and checks it when present. */
export function prepareSocketDir(dir: string, uid: number): void {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    st = lstatSync(dir);
  }
  checkSocketDir(dir, st, uid);
}

/** Refuses a socket folder that is a symlink, not a folder, owned by another user, or open to others. */
export function checkSocketDir(dir: string, st: Stats, uid: number): void {
  const fix = `remove it or run: mkdir -m 700 ${dir}`;
  if (st.isSymbolicLink()) throw deniedError(`socket folder ${dir} is a symlink; refusing to use it`, fix);
  if (!st.isDirectory()) throw deniedError(`socket folder ${dir} is not a folder`, fix);
  if (st.uid !== uid) throw deniedError(`socket folder ${dir} is owned by uid ${st.uid}, not by you (uid ${uid})`, fix);
  if ((st.mode & 0o077) !== 0) {
    throw deniedError(
      `socket folder ${dir} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; it must be 0700`,
      `run: chmod 700 ${dir}`,
    );
  }
}

/** Whether something accepts connections on the socket at `path`. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<'listening' | 'refused'> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (r: 'listening' | 'refused') => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done('listening'), timeoutMs);
    s.once('connect', () => done('listening'));
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'refused' : 'listening'));
  });
}

/** Clears the path for a bind: nothing there, or a stale socket nobody listens on (then unlinked). */
export async function clearStaleSocket(path: string): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) {
    const what = st.isSymbolicLink() ? 'a symlink' : st.isFIFO() ? 'a FIFO' : st.isFile() ? 'a regular file' : 'not a socket';
    throw usageError(`${path} is ${what}, not a socket; refusing to remove it`, `move it away, or set LATCHKEY_SOCKET to another path`);
  }
  if ((await probeSocket(path)) === 'listening') {
    throw new LatchkeyError('unavailable', `another server is listening on ${path}`, 'run agent daemon status, or stop the other server');
  }
  unlinkSync(path);
}

/** The identity of the socket file this daemon bound, to notice a replacement. */
export interface SocketIdentity {
  dev: number;
  ino: number;
}

/** Binds a net.Server at `path` under umask 0177, so the socket is 0600 from its first moment. */
export async function listenPrivately(path: string, onConnection: Parameters<typeof createServer>[1]): Promise<{ server: Server; identity: SocketIdentity }> {
  assertSocketPathLength(path);
  const server = createServer({ pauseOnConnect: false }, onConnection);
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue (the kernel caps it at net.core.somaxconn): with Node's default of 511, a
      // flood of 20,000 connects from one process saw ~2,000 refused with EAGAIN, as a well-behaved
      // client's connect at that moment would be; with 4096, none.
      server.listen({ path, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  const st = lstatSync(path);
  return { server, identity: { dev: st.dev, ino: st.ino } };
}

/** True when the file at `path` is still the socket this daemon bound. */
export function stillOurs(path: string, identity: SocketIdentity): boolean {
  try {
    const st = lstatSync(path);
    return st.isSocket() && st.dev === identity.dev && st.ino === identity.ino;
  } catch {
    return false;
  }
}

/** How often the socket file is checked for deletion or replacement (the folder's watch is faster). */
export const SOCKET_CHECK_INTERVAL_MS = 2000;

/**
 * Calls `onGone` when the file at `path` is no longer the socket this daemon bound: at once through a
 * watch of its folder, and at the latest `intervalMs` after it happened through a periodic check, in
 * case the watch misses it. Returns the function that stops watching.
 */
export function watchSocketFile(path: string, identity: SocketIdentity, onGone: () => void, opts: { intervalMs?: number; watchFolder?: boolean } = {}): () => void {
  let gone = false;
  const check = () => {
    if (gone || stillOurs(path, identity)) return;
    gone = true;
    onGone();
  };
  const timer = setInterval(check, opts.intervalMs ?? SOCKET_CHECK_INTERVAL_MS);
  let watcher: FSWatcher | undefined;
  if (opts.watchFolder !== false) {
    try {
      watcher = watch(dirname(path), { persistent: false }, check);
    } catch {
      // the periodic check is enough
    }
  }
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}

/** A connection that has not sent the HTTP/2 preface within this time is closed. */
export const PREFACE_TIMEOUT_MS = 5000;

/**
 * Hands `conn` over once its first bytes are there (http2 takes what is buffered); closes it when none
 * came within `timeoutMs`, or when it ends without a byte. A client sends the HTTP/2 preface first.
 */
export function awaitPreface(conn: Pick<Socket, 'once' | 'destroy' | 'readableLength'>, handOver: () => void, timeoutMs = PREFACE_TIMEOUT_MS): void {
  const preface = setTimeout(() => conn.destroy(), timeoutMs);
  preface.unref();
  conn.once('close', () => clearTimeout(preface));
  conn.once('readable', () => {
    clearTimeout(preface);
    if (conn.readableLength === 0) conn.destroy(); // closed without a byte
    else handOver();
  });
}
