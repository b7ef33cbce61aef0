// Hardening for the CLI processes that hold a value (`agent get`, the `exec --mask` masking process,
// `agent set`/`onboard` while holding input): no core file, and on Linux not dumpable, so a crash or
// the same user's debugger does not copy the value out. The calls are bound on the first use only; the
// plain `agent exec` path never calls them.
import { libcHarden } from './libc.js';

const PR_SET_DUMPABLE = 4;
const RLIMIT_CORE = 4;

/**
 * Loads the libc binding (libc.ts) and binds the calls now, changing nothing: for a caller with time to
 * spare (`agent get` once the daemon has answered) before it calls holdValues. A failure is left to
 * holdValues to report.
 */
export function prepareHardening(): void {
  if (process.platform !== 'linux') return;
  try {
    libcHarden();
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
    if (libcHarden().lowerSoftLimit(RLIMIT_CORE, 0) === 0) return [];
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
    if (libcHarden().prctl(PR_SET_DUMPABLE, 0) !== 0) {
      missing.push('not dumpable: prctl(PR_SET_DUMPABLE) failed');
    }
  } catch (err) {
    missing.push(`not dumpable: ${(err as Error).message}`);
  }
  return missing;
}
