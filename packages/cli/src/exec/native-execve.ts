// execve(2) through koffi (libc), on Linux on any Node: the agent is replaced by the command, on Node 20
// too, which has no process.execve (the spawn of a child, the wait for it and the agent's own exit cost
// 3-4 ms there). The command starts as libuv's spawn would start it: stdin, stdout and stderr inherited
// (Node marks them close-on-exec) and blocking, and the signals Node ignores back to their default
// action. Unlike process.execve, which aborts the process when execve fails (exit 134 and a native stack
// for a file busy being written), a failure returns its errno for the agent to report as a shell would.
import { getSystemErrorName } from 'node:util';
import { loadKoffi } from '@latchkey/client/libc';
import { CommandError } from './resolve-command.js';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

interface Calls {
  execve: (file: string, argv: (string | null)[], envp: (string | null)[]) => number;
  fcntl: (...args: unknown[]) => number;
  errno: () => number;
}

let calls: Calls | null | undefined;

/** Binds execve and fcntl now (koffi's module and libc), or returns false where that cannot be done. */
function prepareNativeExecve(): boolean {
  if (calls !== undefined) return calls !== null;
  calls = null;
  if (process.platform !== 'linux') return false;
  try {
    const koffi = loadKoffi();
    const lib = koffi.load('libc.so.6');
    calls = {
      execve: lib.func('int execve(const char *file, const char **argv, const char **envp)') as Calls['execve'],
      fcntl: lib.func('fcntl', 'int', ['int', 'int', '...']) as Calls['fcntl'],
      errno: () => koffi.errno(),
    };
  } catch {
    calls = null;
  }
  return calls !== null;
}

/**
 * Replaces this process with `file` (argv and env as given). Returns only when that failed: the errno,
 * or undefined when koffi could not be loaded. `prepare` is run first (stdio blocking, signal actions).
 */
export function nativeExecve(file: string, argv: readonly string[], env: Record<string, string>, prepare: () => void): number | undefined {
  if (!prepareNativeExecve() || !calls) return undefined;
  const envp = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  // A C string ends at its first NUL: such a word is left to spawn, which refuses it as Node does.
  if ([file, ...argv, ...envp].some((w) => w.includes('\0'))) return undefined;
  prepare();
  const cleared: number[] = [];
  for (let fd = 0; fd <= 2; fd++) {
    const flags = calls.fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) !== 0 && calls.fcntl(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC) === 0) cleared.push(fd);
  }
  calls.execve(file, [...argv, null], [...envp, null]);
  const errno = calls.errno();
  // Still here: the agent spawns the command instead, its own stdio close-on-exec again.
  for (const fd of cleared) calls.fcntl(fd, F_SETFD, 'int', calls.fcntl(fd, F_GETFD) | FD_CLOEXEC);
  return errno;
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
