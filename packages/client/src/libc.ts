// libc for the CLI's short-lived processes: the calls the lean paths make, a blocking Unix-socket
// connection for one gRPC call (h2liteUnaryBlocking) and isatty, so that the hot paths load neither node:net
// nor node:tty (node:net and the stream machinery of its first connection cost more than these calls),
// exec's execve (native-execve.ts) and harden.ts's calls. They go through the Node-API module
// scripts/build-native.mjs builds from native/libc.c where it was built for this platform (it loads in
// 0.2-0.3 ms), else through koffi: its module (1.6 MB) and the binding of each call's prototype took 2.5-2.8
// ms of every `agent exec` on Node 20. The two make the same calls with the same arguments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
let koffiModule: typeof import('koffi') | undefined;
let libcLibrary: ReturnType<typeof import('koffi').load> | undefined;

/** koffi, opened once per process (see openKoffi). */
export function loadKoffi(): typeof import('koffi') {
  return (koffiModule ??= openKoffi());
}

/** libc through koffi, opened once per process, for every module here that binds its functions. */
export function loadLibc(): ReturnType<typeof import('koffi').load> {
  return (libcLibrary ??= loadKoffi().load('libc.so.6'));
}

/**
 * koffi's native module, opened by its path where koffi ships it prebuilt (Linux on x64 and arm64):
 * koffi's index.js also loads its installer's tools, which load node:https and node:zlib, and that cost
 * more than the rest of `agent get` together (45 ms against nothing for the module alone, on 2 cores
 * loaded 20 times over). The index's own wrapper only adds deprecated names. The folder is the first
 * `koffi` of the folders require would search, and the module is opened with process.dlopen: resolving
 * the module's path and its package.json through require took 1.1 ms of the 2.3 ms `agent get` spent on
 * koffi (1.2 ms is the dlopen itself). Anything else (musl, another platform, a module of another
 * version) goes through koffi's index.
 */
function openKoffi(): typeof import('koffi') {
  // From this module's folder as a path: a URL (import.meta.url) costs a parse on the hot path.
  // node:module here, not at the top: loading it took 0.7 ms of every `agent exec` on Node 20.
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  const require = createRequire(join(import.meta.dirname, 'libc.js'));
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    for (const folder of require.resolve.paths('koffi') ?? []) {
      const pkg = join(folder, 'koffi');
      let version: unknown;
      try {
        version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version?: unknown }).version;
      } catch {
        continue; // no koffi here: the next folder up
      }
      try {
        const native = { exports: {} as typeof import('koffi') & { version?: string } };
        process.dlopen(native, join(pkg, 'build', 'koffi', `linux_${process.arch}`, 'koffi.node'));
        if (native.exports.version === version) return native.exports;
      } catch {
        // not this layout: koffi's index finds its module
      }
      break;
    }
  }
  return require('koffi') as typeof import('koffi');
}

/** The Node-API module's calls (native/libc.c). Each returns what libc returns and keeps errno for errno(). */
export interface NativeLibc {
  socket(domain: number, type: number, protocol: number): number;
  connectUnix(fd: number, path: string): number;
  send(fd: number, bytes: Uint8Array, length: number, flags: number): number;
  read(fd: number, into: Uint8Array, length: number): number;
  poll1(fd: number, events: number, timeoutMs: number): number;
  close(fd: number): number;
  isatty(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  signalDefault(signal: number): number;
  execve(file: string, argv: readonly string[], envp: readonly string[]): number;
  prctl(option: number, arg2: number): number;
  lowerSoftLimit(resource: number, value: number): number;
  softLimit(resource: number): number;
  errno(): number;
  version(): number;
}

/** native/libc.c's BINDING_VERSION: a module of another build is not used. */
const NATIVE_VERSION = 2;

let binding: 'any' | 'koffi' = 'any';
let nativeModule: NativeLibc | null | undefined;

/**
 * Which binding the calls use from now on: 'any' (the Node-API module where it was built, else koffi) or
 * 'koffi' (the tests of the koffi path). Calls bound before keep their binding.
 */
export function chooseLibcBinding(which: 'any' | 'koffi'): void {
  binding = which;
  socketCalls = execCalls = hardenCalls = undefined;
}

/** Which binding the calls use: 'native', 'koffi', or undefined where neither loads (or not Linux). */
export function libcBinding(): 'native' | 'koffi' | undefined {
  if (process.platform !== 'linux') return undefined;
  if (loadNative()) return 'native';
  try {
    loadLibc();
    return 'koffi';
  } catch {
    return undefined;
  }
}

/**
 * The Node-API module for this platform, opened once: one folder up from the CLI's bundles (dist/exec,
 * dist/lean: the hot paths, tried first), or next to this module (dist/native). Undefined where it is not
 * there or is of another version.
 */
function loadNative(): NativeLibc | undefined {
  if (binding === 'koffi' || process.platform !== 'linux') return undefined;
  if (nativeModule === undefined) {
    nativeModule = null;
    const name = `latchkey-libc-${process.platform}-${process.arch}.node`;
    for (const folder of [join(import.meta.dirname, '..', 'native'), join(import.meta.dirname, 'native')]) {
      try {
        const module = { exports: {} as NativeLibc };
        process.dlopen(module, join(folder, name));
        if (module.exports.version() === NATIVE_VERSION) nativeModule = module.exports;
        break;
      } catch {
        // not in this folder
      }
    }
  }
  return nativeModule ?? undefined;
}

/**
 * Calls bound once: through the Node-API module where it loads, else through koffi (`viaKoffi`); null off
 * Linux or where koffi cannot be loaded either.
 */
function bind<T>(native: (module: NativeLibc) => T, viaKoffi: () => T): T | null {
  if (process.platform !== 'linux') return null;
  const module = loadNative();
  if (module) return native(module);
  try {
    return viaKoffi();
  } catch {
    return null;
  }
}

/** The libc calls of a blocking socket connection, and isatty. Each returns -1 and sets errno on failure. */
export interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  /** connect to the Unix socket at `path` (shorter than sun_path). */
  connectUnix(fd: number, path: string): number;
  send(fd: number, bytes: Uint8Array, length: number, flags: number): number;
  read(fd: number, into: Uint8Array, length: number): number;
  /** poll of one fd: 1 when ready, 0 at the timeout. */
  poll1(fd: number, events: number, timeoutMs: number): number;
  close(fd: number): number;
  isatty(fd: number): number;
  /** errno of the last call. */
  errno(): number;
}

/** sockaddr_un's family and the size of its sun_path, for h2lite's blocking call too. */
export const AF_UNIX = 1;
export const SUN_PATH_BYTES = 108;

let socketCalls: SocketCalls | null | undefined;

/** The calls, bound once; undefined off Linux or where neither binding loads. */
export function libcSockets(): SocketCalls | undefined {
  if (socketCalls === undefined) {
    socketCalls = bind<SocketCalls>((native) => native, () => {
      const koffi = loadKoffi();
      const lib = loadLibc();
      // Anonymous structs: named koffi types are process-global.
      const sockaddr = koffi.struct({ sun_family: 'uint16', sun_path: koffi.array('char', SUN_PATH_BYTES) });
      const pollfd = koffi.struct({ fd: 'int', events: 'short', revents: 'short' });
      const connect = lib.func('connect', 'int', ['int', koffi.pointer(sockaddr), 'uint32']) as (fd: number, address: { sun_family: number; sun_path: string }, length: number) => number;
      const poll = lib.func('poll', 'int', [koffi.inout(koffi.pointer(pollfd)), 'unsigned long', 'int']) as (fds: { fd: number; events: number; revents: number }, count: number, timeoutMs: number) => number;
      return {
        socket: lib.func('int socket(int, int, int)') as SocketCalls['socket'],
        connectUnix: (fd, path) => connect(fd, { sun_family: AF_UNIX, sun_path: path }, SUN_PATH_BYTES + 2),
        send: lib.func('long send(int, const void *, unsigned long, int)') as SocketCalls['send'],
        read: lib.func('long read(int, void *, unsigned long)') as SocketCalls['read'],
        poll1: (fd, events, timeoutMs) => poll({ fd, events, revents: 0 }, 1, timeoutMs),
        close: lib.func('int close(int)') as SocketCalls['close'],
        isatty: lib.func('int isatty(int)') as SocketCalls['isatty'],
        errno: () => koffi.errno(),
      };
    });
  }
  return socketCalls ?? undefined;
}

/** Whether `fd` is a terminal: libc's isatty where a binding loads, else node:tty's (which loads node:net). */
export function isTerminal(fd: number): boolean {
  const calls = libcSockets();
  if (calls) return calls.isatty(fd) === 1;
  return (process.getBuiltinModule('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** The calls of exec's execve (native-execve.ts). */
export interface ExecCalls {
  /** execve(2); returns only when it failed: -1, its errno for errno(). */
  execve(file: string, argv: readonly string[], envp: readonly string[]): number;
  /** fcntl(2) with an int argument (ignored by the commands that take none). */
  fcntl(fd: number, cmd: number, arg: number): number;
  /** signal(2) with SIG_DFL. */
  signalDefault(signal: number): number;
  errno(): number;
}

let execCalls: ExecCalls | null | undefined;

/** The calls, bound once; undefined off Linux or where neither binding loads. */
export function libcExec(): ExecCalls | undefined {
  if (execCalls === undefined) {
    execCalls = bind<ExecCalls>((native) => native, () => {
      const koffi = loadKoffi();
      const lib = loadLibc();
      const execve = lib.func('int execve(const char *file, const char **argv, const char **envp)') as (file: string, argv: (string | null)[], envp: (string | null)[]) => number;
      const fcntl = lib.func('fcntl', 'int', ['int', 'int', '...']) as (...args: unknown[]) => number;
      const signal = lib.func('void *signal(int, void *)') as (signal: number, handler: null) => unknown;
      return {
        execve: (file, argv, envp) => execve(file, [...argv, null], [...envp, null]),
        fcntl: (fd, cmd, arg) => fcntl(fd, cmd, 'int', arg),
        signalDefault: (s) => {
          signal(s, null);
          return 0;
        },
        errno: () => koffi.errno(),
      };
    });
  }
  return execCalls ?? undefined;
}

/** The calls of harden.ts. */
export interface HardenCalls {
  /** prctl(option, arg2, 0, 0, 0) */
  prctl(option: number, arg2: number): number;
  /** The soft limit of `resource` set to `value` (at most the hard limit, which stays): 0, or -1. */
  lowerSoftLimit(resource: number, value: number): number;
}

let hardenCalls: HardenCalls | null | undefined;

/** The calls, bound once; throws where neither binding loads (harden.ts reports it). */
export function libcHarden(): HardenCalls {
  if (hardenCalls) return hardenCalls;
  const native = loadNative();
  if (native) return (hardenCalls = native);
  const koffi = loadKoffi();
  const lib = loadLibc();
  // Anonymous struct: named koffi types are process-global and would clash with the daemon's.
  const rlimit = koffi.struct({ rlim_cur: 'unsigned long', rlim_max: 'unsigned long' });
  const prctl = lib.func('prctl', 'int', ['int', '...']) as (...args: unknown[]) => number;
  const getrlimit = lib.func('getrlimit', 'int', ['int', koffi.out(koffi.pointer(rlimit))]) as (resource: number, out: { rlim_cur?: number | bigint; rlim_max?: number | bigint }) => number;
  const setrlimit = lib.func('setrlimit', 'int', ['int', koffi.pointer(rlimit)]) as (resource: number, limit: { rlim_cur: number | bigint; rlim_max: number | bigint }) => number;
  hardenCalls = {
    prctl: (option, arg2) => prctl(option, 'unsigned long', arg2, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0),
    lowerSoftLimit: (resource, value) => {
      const limit: { rlim_cur?: number | bigint; rlim_max?: number | bigint } = {};
      if (getrlimit(resource, limit) !== 0) return -1;
      const max = limit.rlim_max ?? 0;
      return setrlimit(resource, { rlim_cur: BigInt(value) < BigInt(max) ? value : max, rlim_max: max });
    },
  };
  return hardenCalls;
}
