// libc through koffi for the CLI's short-lived processes: koffi's module opened by its path, and the calls
// the lean paths make with it: a blocking Unix-socket connection for one gRPC call (h2liteUnaryBlocking)
// and isatty, so that the hot paths load neither node:net nor node:tty (node:net and the stream machinery
// of its first connection cost more than koffi's module and these calls), and harden.ts's calls.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** The libc calls of a blocking socket connection, and isatty. Each returns -1 and sets errno on failure. */
export interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, address: { sun_family: number; sun_path: string }, length: number): number;
  send(fd: number, bytes: Uint8Array, length: number, flags: number): number;
  read(fd: number, into: Uint8Array, length: number): number;
  poll(fds: { fd: number; events: number; revents: number }, count: number, timeoutMs: number): number;
  close(fd: number): number;
  isatty(fd: number): number;
  /** errno of the last call. */
  errno(): number;
}

let socketCalls: SocketCalls | null | undefined;

/** The calls, bound once; undefined off Linux or where koffi or libc cannot be loaded. */
export function libcSockets(): SocketCalls | undefined {
  if (socketCalls === undefined) {
    socketCalls = null;
    if (process.platform === 'linux') {
      try {
        const koffi = loadKoffi();
        const lib = loadLibc();
        // Anonymous structs: named koffi types are process-global.
        const sockaddr = koffi.struct({ sun_family: 'uint16', sun_path: koffi.array('char', 108) });
        const pollfd = koffi.struct({ fd: 'int', events: 'short', revents: 'short' });
        socketCalls = {
          socket: lib.func('int socket(int, int, int)') as SocketCalls['socket'],
          connect: lib.func('connect', 'int', ['int', koffi.pointer(sockaddr), 'uint32']) as SocketCalls['connect'],
          send: lib.func('long send(int, const void *, unsigned long, int)') as SocketCalls['send'],
          read: lib.func('long read(int, void *, unsigned long)') as SocketCalls['read'],
          poll: lib.func('poll', 'int', [koffi.inout(koffi.pointer(pollfd)), 'unsigned long', 'int']) as SocketCalls['poll'],
          close: lib.func('int close(int)') as SocketCalls['close'],
          isatty: lib.func('int isatty(int)') as SocketCalls['isatty'],
          errno: () => koffi.errno(),
        };
      } catch {
        socketCalls = null;
      }
    }
  }
  return socketCalls ?? undefined;
}

/** Whether `fd` is a terminal: libc's isatty where koffi is at hand, else node:tty's (which loads node:net). */
export function isTerminal(fd: number): boolean {
  const calls = libcSockets();
  if (calls) return calls.isatty(fd) === 1;
  return (process.getBuiltinModule('node:tty') as typeof import('node:tty')).isatty(fd);
}
