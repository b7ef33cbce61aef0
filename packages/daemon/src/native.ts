/**
 * The daemon's Linux native layer: peer credentials, the lock, and process hardening, as calls into libc.
 * They go through the CLI's Node-API module (packages/client/native/libc.c, which scripts/build-native.mjs
 * also puts in this package's dist/native) where it was built for this platform, else through koffi. koffi's
 * module and its bindings held 4.8 MB of an idle Node 24 process binding these calls (41.1 -> 45.9 MB RSS)
 * and 1.8 MB of the idle daemon's (60.2 -> 58.4 MB, against a 60 MB target); the Node-API module is 28 KB. Both are opened lazily on the first call, so importing this module costs
 * nothing and never fails on other platforms.
 *
 * Platform policy: on anything but Linux, `peerCredentials`, `socketFd` and `tryLockExclusive` throw an
 * "unsupported platform" error (the daemon must not serve without a peer check or a lock), while
 * `setNotDumpable` and `disableCoreDumps` are no-ops and `isDumpable` reports `true` (not hardened).
 */
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { loadKoffi } from './koffi.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const LOCK_EX = 2;
const LOCK_NB = 4;
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const PR_SET_PDEATHSIG = 1;
const RLIMIT_CORE = 4;
const RLIMIT_NOFILE = 7;

/** The calls, whichever binding makes them. Each returns what libc returns; errno() is the last call's. */
interface Libc {
  /** getsockopt(SO_PEERCRED): the peer's ids, or null with errno set. */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number } | null;
  flock(fd: number, operation: number): number;
  /** prctl(option, arg2, 0, 0, 0) */
  prctl(option: number, arg2: number): number;
  /** The limits of `resource` (Infinity for none), or undefined when getrlimit failed. */
  limits(resource: number): { soft: number; hard: number } | undefined;
  setLimits(resource: number, soft: number, hard: number): number;
  /** malloc_trim(0); -1 where libc has none. */
  mallocTrim(): number;
  strerror(errno: number): string;
  errno(): number;
}

/** The Node-API module's calls (packages/client/native/libc.c) that the daemon makes. */
interface NativeModule {
  peerCredentials(fd: number, into: Uint8Array): number;
  flock(fd: number, operation: number): number;
  prctl(option: number, arg2: number): number;
  softLimit(resource: number): number;
  hardLimit(resource: number): number;
  setLimits(resource: number, soft: number, hard: number): number;
  mallocTrim(): number;
  strerror(errno: number): string;
  errno(): number;
  version(): number;
}

/** libc.c's BINDING_VERSION that has the daemon's calls: a module of another build is not used. */
const NATIVE_VERSION = 2;

let binding: 'any' | 'koffi' = 'any';
let libcCache: Libc | undefined;

/**
 * Which binding the calls use from now on: 'any' (the Node-API module where it was built, else koffi) or
 * 'koffi' (the tests of the koffi path).
 */
export function chooseNativeBinding(which: 'any' | 'koffi'): void {
  binding = which;
  libcCache = undefined;
}

/** Which binding the calls use: 'native' or 'koffi'; undefined off Linux. */
export function nativeBinding(): 'native' | 'koffi' | undefined {
  if (process.platform !== 'linux') return undefined;
  return openNative() ? 'native' : 'koffi';
}

/**
 * The Node-API module for this platform: in dist/native beside this module (or the daemon's bundle, which
 * sits in the same folder), or in dist/native from the sources' folder (the tests). Undefined where it is
 * not there or is of another version.
 */
function openNative(): NativeModule | undefined {
  if (binding === 'koffi') return undefined;
  const name = `latchkey-libc-${process.platform}-${process.arch}.node`;
  for (const folder of [join(import.meta.dirname, 'native'), join(import.meta.dirname, '..', 'dist', 'native')]) {
    try {
      const module = { exports: {} as NativeModule };
      process.dlopen(module, join(folder, name));
      if (typeof module.exports.version === 'function' && module.exports.version() === NATIVE_VERSION) return module.exports;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function viaNative(m: NativeModule): Libc {
  return {
    peerCredentials: (fd) => {
      const ids = new Uint32Array(3);
      if (m.peerCredentials(fd, new Uint8Array(ids.buffer)) !== 0) return null;
      return { pid: ids[0]! | 0, uid: ids[1]!, gid: ids[2]! };
    },
    flock: (fd, operation) => m.flock(fd, operation),
    prctl: (option, arg2) => m.prctl(option, arg2),
    limits: (resource) => {
      const soft = m.softLimit(resource);
      if (soft < 0) return undefined;
      const hard = m.hardLimit(resource);
      return hard < 0 ? undefined : { soft, hard };
    },
    setLimits: (resource, soft, hard) => m.setLimits(resource, soft, hard),
    mallocTrim: () => m.mallocTrim(),
    strerror: (errno) => m.strerror(errno),
    errno: () => m.errno(),
  };
}

function viaKoffi(): Libc {
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  // Anonymous struct types: named ones are process-global in koffi and would clash if this module were
  // ever loaded twice (for example from src and from dist).
  const ucred = koffi.struct({ pid: 'int32_t', uid: 'uint32_t', gid: 'uint32_t' });
  const rlimit = koffi.struct({ rlim_cur: 'unsigned long', rlim_max: 'unsigned long' });
  const getsockopt = lib.func('getsockopt', 'int', ['int', 'int', 'int', koffi.out(koffi.pointer(ucred)), koffi.inout(koffi.pointer('uint32_t'))]);
  const flock = lib.func('flock', 'int', ['int', 'int']);
  // prctl is variadic in glibc; the extra arguments are passed as (type, value) pairs.
  const prctl = lib.func('prctl', 'int', ['int', '...']);
  const setrlimit = lib.func('setrlimit', 'int', ['int', koffi.pointer(rlimit)]);
  const getrlimit = lib.func('getrlimit', 'int', ['int', koffi.out(koffi.pointer(rlimit))]);
  const strerror = lib.func('strerror', 'str', ['int']);
  let mallocTrim: ((pad: number) => number) | null | undefined;
  // RLIM_INFINITY as koffi reads an unsigned long: 2^64 - 1, which a double rounds to 2^64.
  const limit = (n: unknown): number => (Number(n) >= 2 ** 64 - 1 ? Infinity : Number(n));
  const raw = (n: number): number | bigint => (n === Infinity ? 2n ** 64n - 1n : n);
  return {
    peerCredentials: (fd) => {
      const cred = { pid: 0, uid: 0, gid: 0 };
      const length = [12];
      if ((getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, length) as number) !== 0) return null;
      if (length[0] !== 12) throw new Error(`getsockopt(SO_PEERCRED) returned ${String(length[0])} bytes, expected 12`);
      return { pid: cred.pid, uid: cred.uid, gid: cred.gid };
    },
    flock: (fd, operation) => flock(fd, operation) as number,
    prctl: (option, arg2) => prctl(option, 'unsigned long', arg2, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) as number,
    limits: (resource) => {
      const cur: { rlim_cur?: unknown; rlim_max?: unknown } = {};
      if ((getrlimit(resource, cur) as number) !== 0) return undefined;
      return { soft: limit(cur.rlim_cur), hard: limit(cur.rlim_max) };
    },
    setLimits: (resource, soft, hard) => setrlimit(resource, { rlim_cur: raw(soft), rlim_max: raw(hard) }) as number,
    mallocTrim: () => {
      if (mallocTrim === undefined) {
        try {
          mallocTrim = lib.func('malloc_trim', 'int', ['size_t']) as (pad: number) => number;
        } catch {
          mallocTrim = null; // musl and other libcs: no malloc_trim
        }
      }
      return mallocTrim === null ? -1 : mallocTrim(0);
    },
    strerror: (errno) => String(strerror(errno)),
    errno: () => koffi.errno(),
  };
}

function unsupported(what: string): Error {
  return new Error(`${what}: unsupported platform ${process.platform} (only linux is implemented)`);
}

function libc(what: string): Libc {
  if (process.platform !== 'linux') throw unsupported(what);
  if (libcCache) return libcCache;
  const m = openNative();
  libcCache = m ? viaNative(m) : viaKoffi();
  return libcCache;
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name] as [number, string]),
);

function errnoError(lib: Libc, call: string, errno: number): Error & { errno: number; code: string } {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err = new Error(`${call} failed: ${code} (${lib.strerror(errno)})`) as Error & {
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
  const ids = lib.peerCredentials(fd);
  if (ids === null) throw errnoError(lib, 'getsockopt(SO_PEERCRED)', lib.errno());
  return ids;
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
    if (lib.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
    const errno = lib.errno();
    if (errno === osConstants.errno.EINTR) continue;
    if (errno === osConstants.errno.EWOULDBLOCK || errno === osConstants.errno.EAGAIN) return false;
    throw errnoError(lib, 'flock(LOCK_EX|LOCK_NB)', errno);
  }
}

/** prctl(PR_SET_DUMPABLE, 0): no core dumps, no ptrace attach and root-owned /proc/self files for this process; a no-op off Linux. */
export function setNotDumpable(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('setNotDumpable');
  if (lib.prctl(PR_SET_DUMPABLE, 0) !== 0) throw errnoError(lib, 'prctl(PR_SET_DUMPABLE)', lib.errno());
}

/** prctl(PR_GET_DUMPABLE) !== 0; always true off Linux, where nothing is hardened. */
export function isDumpable(): boolean {
  if (process.platform !== 'linux') return true;
  const lib = libc('isDumpable');
  const rc = lib.prctl(PR_GET_DUMPABLE, 0);
  if (rc < 0) throw errnoError(lib, 'prctl(PR_GET_DUMPABLE)', lib.errno());
  return rc !== 0;
}

/**
 * prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills this process when the thread that started it dies,
 * so a child cannot outlive its parent and go on acting for it (a no-op off Linux).
 */
export function dieWithParent(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('dieWithParent');
  if (lib.prctl(PR_SET_PDEATHSIG, osConstants.signals.SIGKILL) !== 0) throw errnoError(lib, 'prctl(PR_SET_PDEATHSIG)', lib.errno());
}

/** setrlimit(RLIMIT_CORE, {0, 0}): this process (and its children) never writes a core file; a no-op off Linux. */
export function disableCoreDumps(): void {
  if (process.platform !== 'linux') return;
  const lib = libc('disableCoreDumps');
  if (lib.setLimits(RLIMIT_CORE, 0, 0) !== 0) throw errnoError(lib, 'setrlimit(RLIMIT_CORE)', lib.errno());
}

/**
 * Raises this process's soft limit on open files to its hard limit (a flood of connections must not
 * take the descriptors the daemon needs for its own files); returns the limit now in force.
 */
export function raiseFileLimit(): number {
  if (process.platform !== 'linux') return -1;
  const lib = libc('raiseFileLimit');
  const limits = lib.limits(RLIMIT_NOFILE);
  if (limits === undefined) throw errnoError(lib, 'getrlimit(RLIMIT_NOFILE)', lib.errno());
  const max = limits.hard;
  if (limits.soft >= max) return max;
  if (lib.setLimits(RLIMIT_NOFILE, max, max) !== 0) throw errnoError(lib, 'setrlimit(RLIMIT_NOFILE)', lib.errno());
  return max;
}

/**
 * glibc's malloc_trim(0): hands the malloc heap's free pages back to the kernel. False where there is no
 * such call (not Linux, not glibc), true when it ran (whether or not it found pages to release).
 */
export function trimMalloc(): boolean {
  if (process.platform !== 'linux') return false;
  let lib: Libc;
  try {
    lib = libc('trimMalloc');
  } catch {
    return false; // no libc.so.6 for koffi to open
  }
  return lib.mallocTrim() >= 0;
}
