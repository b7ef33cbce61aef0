// execve(2) through koffi (libc), on Linux on any Node: the agent is replaced by the command, on Node 20
// too, which has no process.execve (the spawn of a child, the wait for it and the agent's own exit cost
// 3-4 ms there). Unlike process.execve, which aborts the process when execve fails (exit 134 and a native
// stack for a file busy being written), a failure returns its errno for the agent to report as a shell
// would.
import { constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { loadKoffi, loadLibc } from '@latchkey/client/libc';
import { CommandError } from './resolve-command.js';
import { IGNORED_BY_NODE } from './run.js';

const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;

interface Calls {
  execve: (file: string, argv: (string | null)[], envp: (string | null)[]) => number;
  fcntl: (...args: unknown[]) => number;
  /** signal(2) with SIG_DFL (null). */
  signal: (signal: number, handler: null) => unknown;
  errno: () => number;
}

let calls: Calls | null | undefined;

/** Binds execve, fcntl and signal now (koffi's module and libc), or returns false where that cannot be done. */
function prepareNativeExecve(): boolean {
  if (calls !== undefined) return calls !== null;
  calls = null;
  if (process.platform !== 'linux') return false;
  try {
    const koffi = loadKoffi();
    const lib = loadLibc();
    calls = {
      execve: lib.func('int execve(const char *file, const char **argv, const char **envp)') as Calls['execve'],
      fcntl: lib.func('fcntl', 'int', ['int', 'int', '...']) as Calls['fcntl'],
      signal: lib.func('void *signal(int, void *)') as Calls['signal'],
      errno: () => koffi.errno(),
    };
  } catch {
    calls = null;
  }
  return calls !== null;
}

/**
 * Replaces this process with `file` (argv and env as given), started as spawn starts a child: the signals
 * Node ignores back to their default action, stdin, stdout and stderr blocking (O_NONBLOCK belongs to the
 * open file, which the command shares: Node sets it on a pipe whose stream it opened) and inherited.
 * Returns only when that failed: the errno, or undefined when koffi could not be loaded (or a word holds
 * a NUL), having changed nothing.
 */
export function nativeExecve(file: string, argv: readonly string[], env: Record<string, string>): number | undefined {
  if (!prepareNativeExecve() || !calls) return undefined;
  const envp = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  // A C string ends at its first NUL: such a word is left to spawn, which refuses it as Node does.
  if ([file, ...argv, ...envp].some((w) => w.includes('\0'))) return undefined;
  for (const signal of IGNORED_BY_NODE) calls.signal(constants.signals[signal], null);
  for (let fd = 0; fd <= 2; fd++) {
    const status = calls.fcntl(fd, F_GETFL);
    if (status >= 0 && (status & fsConstants.O_NONBLOCK) !== 0) calls.fcntl(fd, F_SETFL, 'int', status & ~fsConstants.O_NONBLOCK);
    const flags = calls.fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) !== 0) calls.fcntl(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC);
  }
  calls.execve(file, [...argv, null], [...envp, null]);
  // Still here: the agent reports the failure and exits (its signal actions and stdio stay as set).
  return calls.errno();
}

/** Why the kernel would not run the command (execve's errno), as a shell says it: 127 if it is gone, else 126. */
export function execveFailure(errno: number, command: string): CommandError {
  const code = getSystemErrorName(-errno);
  const why: Record<string, string> = {
    ETXTBSY: 'the file is open for writing (text file busy)',
    EACCES: 'permission denied',
    ENOEXEC: 'not a format the kernel runs',
    E2BIG: 'the arguments and environment are too long',
    ENOMEM: 'out of memory',
  };
  if (code === 'ENOENT') return new CommandError(`${command}: the file (or its interpreter) is gone (ENOENT)`, 127);
  const hint = code === 'ETXTBSY' ? 'wait for whatever writes it (a build, a copy) to finish, then run it again' : code === 'E2BIG' ? 'pass fewer or shorter arguments, or fewer variables' : undefined;
  return new CommandError(`cannot run ${command}: ${why[code] ?? 'execve failed'} (${code})`, 126, hint);
}
