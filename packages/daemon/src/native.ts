/**
 * The daemon's Linux native layer: peer credentials, the lock, and process hardening, through koffi
 * calls into libc. libc is loaded lazily on the first call, so importing this module costs nothing
 * and never fails on other platforms.
 *
 * Platform policy: on anything but Linux, `peerCredentials`, `socketFd` and `tryLockExclusive` throw an
 * "unsupported platform" error (the daemon must not serve without a peer check or a lock), while
 * `setNotDumpable` and `disableCoreDumps` are no-ops and `isDumpable` reports `true` (not hardened).
 */
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { koffi } from './koffi.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const LOCK_EX = 2;
const LOCK_NB = 4;
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const PR_SET_PDEATHSIG = 1;
const RLIMIT_CORE = 4;
const RLIMIT_NOFILE = 7;

type KoffiFunction = ReturnType<ReturnType<typeof koffi.load>['func']>;

interface Libc {
  getsockopt: KoffiFunction;
  flock: KoffiFunction;
  prctl: KoffiFunction;
  setrlimit: KoffiFunction;
  getrlimit: KoffiFunction;
  strerror: KoffiFunction;
}

let libcCache: Libc | undefined;

function unsupported(what: string): Error {
  return new Error(`${what}: unsupported platform ${process.platform} (only linux is implemented)`);
}

function libc(what: string): Libc {
  if (process.platform !== 'linux') throw unsupported(what);
  if (libcCache) return libcCache;
  const lib = koffi.load('libc.so.6');
  // Anonymous struct types: named ones are process-global in koffi and would clash if this module were
  // ever loaded twice (for example from src and from dist).
  const ucred = koffi.struct({ pid: 'int32_t', uid: 'uint32_t', gid: 'uint32_t' });
  const rlimit = koffi.struct({ rlim_cur: 'unsigned long', rlim_max: 'unsigned long' });
  libcCache = {
    getsockopt: lib.func('getsockopt', 'int', [
      'int',
      'int',
      'int',
      koffi.out(koffi.pointer(ucred)),
      koffi.inout(koffi.pointer('uint32_t')),
    ]),
    flock: lib.func('flock', 'int', ['int', 'int']),
    // prctl is variadic in glibc; the extra arguments are passed as (type, value) pairs.
    prctl: lib.func('prctl', 'int', ['int', '...']),
    setrlimit: lib.func('setrlimit', 'int', ['int', koffi.pointer(rlimit)]),
    getrlimit: lib.func('getrlimit', 'int', ['int', koffi.out(koffi.pointer(rlimit))]),
    strerror: lib.func('strerror', 'str', ['int']),
  };
  return libcCache;
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name] as [number, string]),
);

function errnoError(lib: Libc, call: string, errno: number): Error & { errno: number; code: string } {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err = new Error(`${call} failed: ${code} (${String(lib.strerror(errno))})`) as Error & {
    errno: number;
    code: string;
  };
  err.errno = errno;
  err.code = code;
  return err;
}

/** The pid, uid and gid of the process at the other end of a connected Unix socket (SO_PEERCRED); throws on error. */
export function peerCredentials(fd: number): { pid: number; uid: number; gid: number } {
  const lib = libc('peerCredentials');
  const cred = { pid: 0, uid: 0, gid: 0 };
  const len = [12];
  const rc = lib.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) as number;
  if (rc !== 0) throw errnoError(lib, 'getsockopt(SO_PEERCRED)', koffi.errno());
  if (len[0] !== 12) throw new Error(`getsockopt(SO_PEERCRED) returned ${String(len[0])} bytes, expected 12`);
  return { pid: cred.pid, uid: cred.uid, gid: cred.gid };
}

/** The file descriptor behind an accepted Unix socket (libuv pipe handle); throws if it has none. */
export function socketFd(socket: Socket): number {
  if (process.platform !== 'linux') throw unsupported('socketFd');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fd: unknown = (socket as any)._handle?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new Error('socketFd: the socket has no usable file descriptor (closed, or not a Unix socket)');
  }
  return fd;
}

/** flock(fd, LOCK_EX | LOCK_NB): true if taken, false if another open file description holds it; throws on other errors. */
export function tryLockExclusive(fd: number): boolean {
  const lib = libc('tryLockExclusive');
  for (;;) {
    const rc = lib.flock(fd, LOCK_EX | LOCK_NB) as number;
    if (rc === 0) return true;
    const errno = koffi.errno();
    if (errno === osConstants.errno.EINTR) continue;
    if (errno === osConstants.errno.EWOULDBLOCK || errno === osConstants.errno.EAGAIN) return false;
    throw errnoError(lib, 'flock(LOCK_EX|LOCK_NB)', errno);
  }
}

/** prctl(PR_SET_DUMPABLE, 0): no core dumps, no ptrace attach and root-owned /proc/self files for this process; a no-op off Linux. */
export function setNotDumpable(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('setNotDumpable');
  const rc = lib.prctl(
    PR_SET_DUMPABLE,
    'unsigned long', 0,
    'unsigned long', 0,
    'unsigned long', 0,
    'unsigned long', 0,
  ) as number;
  if (rc !== 0) throw errnoError(lib, 'prctl(PR_SET_DUMPABLE)', koffi.errno());
}

/** prctl(PR_GET_DUMPABLE) !== 0; always true off Linux, where nothing is hardened. */
export function isDumpable(): boolean {
  if (process.platform !== 'linux') return true;
  const lib = libc('isDumpable');
  const rc = lib.prctl(PR_GET_DUMPABLE, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number;
  if (rc < 0) throw errnoError(lib, 'prctl(PR_GET_DUMPABLE)', koffi.errno());
  return rc !== 0;
}

/**
 * prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills this process when the thread that started it dies,
 * so a child cannot outlive its parent and go on acting for it (a no-op off Linux).
 */
export function dieWithParent(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('dieWithParent');
  const rc = lib.prctl(PR_SET_PDEATHSIG, 'unsigned long', osConstants.signals.SIGKILL, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number;
  if (rc !== 0) throw errnoError(lib, 'prctl(PR_SET_PDEATHSIG)', koffi.errno());
}

/** setrlimit(RLIMIT_CORE, {0, 0}): this process (and its children) never writes a core file; a no-op off Linux. */
export function disableCoreDumps(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('disableCoreDumps');
  const rc = lib.setrlimit(RLIMIT_CORE, { rlim_cur: 0, rlim_max: 0 }) as number;
  if (rc !== 0) throw errnoError(lib, 'setrlimit(RLIMIT_CORE)', koffi.errno());
}

/**
 * Raises this process's soft limit on open files to its hard limit (a flood of connections must not
 * take the descriptors the daemon needs for its own files); returns the limit now in force.
 */
export function raiseFileLimit(): number {
  if (process.platform !== 'linux') return -1;
  const lib = libc('raiseFileLimit');
  const cur: { rlim_cur?: number; rlim_max?: number } = {};
  if ((lib.getrlimit(RLIMIT_NOFILE, cur) as number) !== 0) throw errnoError(lib, 'getrlimit(RLIMIT_NOFILE)', koffi.errno());
  const max = Number(cur.rlim_max);
  if (Number(cur.rlim_cur) >= max) return max;
  if ((lib.setrlimit(RLIMIT_NOFILE, { rlim_cur: max, rlim_max: max }) as number) !== 0) throw errnoError(lib, 'setrlimit(RLIMIT_NOFILE)', koffi.errno());
  return max;
}

let mallocTrim: KoffiFunction | null | undefined;

/**
 * glibc's malloc_trim(0): hands the malloc heap's free pages back to the kernel. False where there is no
 * such call (not Linux, not glibc), true when it ran (whether or not it found pages to release).
 */
export function trimMalloc(): boolean {
  if (process.platform !== 'linux') return false;
  if (mallocTrim === undefined) {
    try {
      mallocTrim = koffi.load('libc.so.6').func('malloc_trim', 'int', ['size_t']);
    } catch {
      mallocTrim = null; // musl and other libcs: no libc.so.6, or no malloc_trim in it
    }
  }
  if (mallocTrim === null) return false;
  mallocTrim(0);
  return true;
}
