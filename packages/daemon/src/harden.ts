// Process hardening for the daemon: no debugger, no core files, not dumpable (so the same user cannot
// read /proc/<pid>/mem or environ), and SIGUSR1 made inert so it cannot open the inspector.
import { readFileSync } from 'node:fs';
import { deniedError } from '@latchkey/core';
import type { Env } from '@latchkey/protocol';
import { disableCoreDumps, raiseFileLimit, setNotDumpable } from './native.js';

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

// Variables that make the dynamic loader put code into the process before main() runs.
const LOADER_VARIABLES = ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'DYLD_INSERT_LIBRARIES', 'DYLD_LIBRARY_PATH', 'DYLD_FRAMEWORK_PATH'];

/**
 * The environment the process was exec'd with, from /proc/self/environ on Linux: a preload can delete
 * NODE_OPTIONS or LD_PRELOAD from process.env, but not from the strings the kernel copied at exec.
 * Elsewhere (no procfs) the environment as it is now.
 */
export function startEnvironment(procEnviron = '/proc/self/environ', fallback: NodeJS.ProcessEnv = process.env): Record<string, string> {
  let raw: string;
  try {
    raw = readFileSync(procEnviron, 'latin1');
  } catch {
    return Object.fromEntries(Object.entries(fallback).filter((e): e is [string, string] => e[1] !== undefined));
  }
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Refuses to serve when the environment the daemon was started with preloaded code (NODE_OPTIONS, LD_*, DYLD_*). */
export function checkStartEnvironment(start: Env, execArgv: readonly string[]): void {
  const loader = LOADER_VARIABLES.find((name) => (start[name] ?? '') !== '');
  if (loader !== undefined) {
    throw deniedError(
      `refusing to start the daemon: it was started with ${loader} set, which loads code into it`,
      'start it with `agent daemon start`, which gives it a clean environment',
    );
  }
  checkNodeOptions(start, execArgv);
}

/** Applies the hardening; returns the steps that could not be applied (to report, not to hide). */
export function harden(): string[] {
  const missing: string[] = [];
  // A listener replaces the handler that would start the inspector on SIGUSR1.
  process.on('SIGUSR1', () => {});
  for (const [what, fn] of [
    ['not dumpable', setNotDumpable],
    ['no core files', disableCoreDumps],
    ['open-file limit raised to its hard limit', raiseFileLimit],
  ] as const) {
    try {
      fn();
    } catch (err) {
      missing.push(`${what}: ${(err as Error).message}`);
    }
  }
  return missing;
}
