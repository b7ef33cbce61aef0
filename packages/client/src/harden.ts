// Hardening for the CLI processes that hold a value (`agent get`, the `exec --mask` masking process,
// `agent set`/`onboard` while holding input): no core file, and on Linux not dumpable, so a crash or
// the same user's debugger does not copy the value out. koffi is loaded on the first call only, so the
// plain `agent exec` path, which never calls this, never loads it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const PR_SET_DUMPABLE = 4;
const RLIMIT_CORE = 4;

interface Calls {
  prctl: (...args: unknown[]) => number;
  getrlimit: (resource: number, out: { rlim_cur?: number; rlim_max?: number }) => number;
  setrlimit: (resource: number, limit: { rlim_cur: number; rlim_max: number }) => number;
}

let calls: Calls | undefined;

function libc(): Calls {
  if (calls) return calls;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  // Anonymous struct: named koffi types are process-global and would clash with the daemon's.
  const rlimit = koffi.struct({ rlim_cur: 'unsigned long', rlim_max: 'unsigned long' });
  calls = {
    prctl: lib.func('prctl', 'int', ['int', '...']) as Calls['prctl'],
    getrlimit: lib.func('getrlimit', 'int', ['int', koffi.out(koffi.pointer(rlimit))]) as Calls['getrlimit'],
    setrlimit: lib.func('setrlimit', 'int', ['int', koffi.pointer(rlimit)]) as Calls['setrlimit'],
  };
  return calls;
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
function loadKoffi(): typeof import('koffi') {
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

/**
 * Loads koffi and binds the calls now, changing nothing: for a caller with time to spare (`agent get`
 * while the daemon answers) before it calls holdValues. A failure is left to holdValues to report.
 */
export function prepareHardening(): void {
  if (process.platform !== 'linux') return;
  try {
    libc();
  } catch {
    // reported by noCoreFiles / holdValues when they run
  }
}

/**
 * Core soft limit 0 for this process (the hard limit stays, so a child may raise its own again).
 * Leaves /proc/<pid> readable by the daemon. Returns the steps that failed, to report; a no-op off Linux.
 */
export function noCoreFiles(): string[] {
  if (process.platform !== 'linux') return [];
  try {
    const lib = libc();
    const limit: { rlim_cur?: number; rlim_max?: number } = {};
    if (lib.getrlimit(RLIMIT_CORE, limit) === 0 && lib.setrlimit(RLIMIT_CORE, { rlim_cur: 0, rlim_max: limit.rlim_max ?? 0 }) === 0) return [];
    return ['no core files: setrlimit(RLIMIT_CORE) failed'];
  } catch (err) {
    return [`no core files: ${(err as Error).message}`];
  }
}

/**
 * noCoreFiles, then PR_SET_DUMPABLE 0 (no ptrace, no /proc/<pid>/mem for the same user). Call it once
 * the last request that needs this process's /proc entry has been answered: the daemon reads the
 * caller's working directory there, which a non-dumpable process hides from it.
 */
export function holdValues(): string[] {
  const missing = noCoreFiles();
  if (process.platform !== 'linux') return missing;
  try {
    if (libc().prctl(PR_SET_DUMPABLE, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0, 'unsigned long', 0) !== 0) {
      missing.push('not dumpable: prctl(PR_SET_DUMPABLE) failed');
    }
  } catch (err) {
    missing.push(`not dumpable: ${(err as Error).message}`);
  }
  return missing;
}
