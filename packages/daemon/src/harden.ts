// Process hardening for the daemon: no debugger, no core files, not dumpable (so the same user cannot
// read /proc/<pid>/mem or environ), and SIGUSR1 made inert so it cannot open the inspector.
import { deniedError } from '@latchkey/core';
import type { Env } from '@latchkey/protocol';
import { disableCoreDumps, setNotDumpable } from './native.js';

const FORBIDDEN_NODE_OPTIONS = /(^|\s)(--inspect(-brk|-port|-wait)?|--debug|-r|--require|--import|--loader|--experimental-loader)(=|\s|$)/;

/** Refuses to run with options that would let another program into the daemon's memory. */
export function checkNodeOptions(env: Env, execArgv: readonly string[]): void {
  const nodeOptions = env.NODE_OPTIONS ?? '';
  if (FORBIDDEN_NODE_OPTIONS.test(nodeOptions)) {
    throw deniedError(
      'refusing to start the daemon: NODE_OPTIONS asks for a debugger or preloads code',
      'unset NODE_OPTIONS (or remove --inspect/--require/--import from it) and start again',
    );
  }
  if (execArgv.some((a) => FORBIDDEN_NODE_OPTIONS.test(a))) {
    throw deniedError('refusing to start the daemon with a debugger or preloaded code', 'start it without --inspect or --require');
  }
}

/** Applies the hardening; returns the steps that could not be applied (to report, not to hide). */
export function harden(): string[] {
  const missing: string[] = [];
  // A listener replaces the handler that would start the inspector on SIGUSR1.
  process.on('SIGUSR1', () => {});
  for (const [what, fn] of [
    ['not dumpable', setNotDumpable],
    ['no core files', disableCoreDumps],
  ] as const) {
    try {
      fn();
    } catch (err) {
      missing.push(`${what}: ${(err as Error).message}`);
    }
  }
  return missing;
}
