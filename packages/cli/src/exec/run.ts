// Running the command: replace the agent with it (execve) when nothing needs the agent to stay, else
// spawn it with inherited stdio and behave as if it had been run directly: its exit code, its death by
// signal, forwarded signals, and Ctrl-C delivered once.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { parseProcStat } from '@latchkey/core/proc-stat';

/** Signals forwarded to the child. Those a terminal sends are special-cased: see `TERMINAL_SIGNALS`. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/**
 * Signals a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\, a window resize): not
 * forwarded while we are in that group, since the child, in our group, got them too.
 */
export const TERMINAL_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

/** Whether `process.execve` (Node >= 22.15) can replace this process. */
export function canExecve(): boolean {
  return typeof (process as unknown as { execve?: unknown }).execve === 'function';
}

/** Signals Node ignores (SIGPIPE, SIGXFSZ); an ignored signal stays ignored across execve. */
export const IGNORED_BY_NODE: readonly NodeJS.Signals[] = ['SIGPIPE', 'SIGXFSZ'];

/**
 * Gives `signal` its default action back, also when Node ignores it: libuv restores SIG_DFL when the
 * last listener of a signal goes. Signals that cannot be caught (SIGKILL, SIGSTOP) are left as they are.
 */
export function restoreDefaultAction(signal: NodeJS.Signals): void {
  const noop = () => {};
  try {
    process.on(signal, noop);
  } catch {
    return;
  }
  process.off(signal, noop);
}

/** Whether `fd` has O_NONBLOCK (Linux /proc; true when it cannot be told). */
function nonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags === undefined || (parseInt(flags, 8) & fsConstants.O_NONBLOCK) !== 0;
  } catch {
    return true;
  }
}

/**
 * Puts stdin, stdout and stderr back in blocking mode, as spawn (libuv) does for a child. Node sets
 * O_NONBLOCK on a pipe or socket when it opens its stream (loading node:http2 opens stderr), and the
 * flag belongs to the open file, which the command shares: cat would then fail with EAGAIN.
 */
export function makeStdioBlocking(): void {
  (['stdin', 'stdout', 'stderr'] as const).forEach((name, fd) => {
    if (!nonBlocking(fd)) return;
    const stream = process[name] as unknown as { _handle?: { setBlocking?(blocking: boolean): number } };
    stream._handle?.setBlocking?.(true);
  });
}

/** Replaces the agent with the command, started as spawn would start it; does not return. */
export function execve(file: string, argv: readonly string[], env: Record<string, string>): never {
  for (const signal of IGNORED_BY_NODE) restoreDefaultAction(signal);
  makeStdioBlocking();
  (process as unknown as { execve(file: string, args: readonly string[], env: Record<string, string>): never }).execve(file, argv, env);
  throw new Error('execve returned');
}

/**
 * Whether a keyboard signal sent to us also reached the child: true when we are in the foreground
 * process group of a terminal (the terminal signals the whole group, so forwarding would double it).
 */
export function inForegroundOfTerminal(): boolean {
  try {
    const stat = parseProcStat(readFileSync('/proc/self/stat', 'latin1'));
    return stat !== undefined && stat.ttyNr !== 0 && stat.tpgid === stat.pgrp;
  } catch {
    return false;
  }
}

/** How the child ended. */
export type ChildEnd = { code: number; signal?: undefined } | { code?: undefined; signal: NodeJS.Signals };

/** Spawns the child with signal forwarding; resolves when it ends. */
export function spawnChild(
  file: string,
  argv0: string,
  args: readonly string[],
  env: Record<string, string>,
  stdio: StdioOptions = 'inherit',
  forward: (child: ChildProcess, signal: NodeJS.Signals) => void = (c, s) => c.kill(s),
): { child: ChildProcess; ended: Promise<ChildEnd> } {
  // Loaded here, not at the top: the execve path never needs node:child_process (~1 ms of its load).
  const { spawn } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const child = spawn(file, args, { argv0, env, stdio });
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => {
      if (TERMINAL_SIGNALS.has(signal) && inForegroundOfTerminal()) return;
      if (child.exitCode === null && child.signalCode === null) forward(child, signal);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  const ended = new Promise<ChildEnd>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(signal ? { signal } : { code: code ?? 1 });
    });
  });
  return { child, ended };
}

/** Ends the agent the way the child ended: same exit code, or death by the same signal (else 128+n). */
export async function exitLike(end: ChildEnd): Promise<never> {
  if (end.signal === undefined) process.exit(end.code);
  const signal = end.signal;
  const { constants } = process.getBuiltinModule('node:os') as typeof import('node:os');
  const number = (constants.signals as Record<string, number>)[signal] ?? 0;
  // Dying of the signal needs its default action back: drop our listeners, then signal ourselves.
  process.removeAllListeners(signal);
  restoreDefaultAction(signal);
  try {
    process.kill(process.pid, signal);
  } catch {
    // fall through to the exit code
  }
  // Reached only for signals whose default action does not terminate (SIGWINCH, SIGCHLD...).
  await new Promise((r) => setTimeout(r, 200));
  process.exit(128 + number);
}
