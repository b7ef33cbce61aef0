// execve(2) through libc (libc.ts's binding), on Linux on any Node: the agent is replaced by the command,
// on Node 20 too, which has no process.execve (the spawn of a child, the wait for it and the agent's own
// exit cost 3-4 ms there). Unlike process.execve, which aborts the process when execve fails (exit 134 and a native
// stack for a file busy being written), a failure returns its errno for the agent to report as a shell
// would.
import { constants as fsConstants } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { libcExec } from '@latchkey/client/libc';
import { CommandError } from './resolve-command.js';
import { IGNORED_BY_NODE } from './run.js';

const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;

/**
 * Linux's number of `signal` where the CPU's signal numbers are the generic ones (SIGPIPE 13, SIGXFSZ 25),
 * else node:os's: loading node:os took 0.7 ms of every `agent exec` on Node 20.
 */
function signalNumber(signal: NodeJS.Signals): number {
  const generic: Record<string, number> = { SIGPIPE: 13, SIGXFSZ: 25 };
  if ((process.arch === 'x64' || process.arch === 'arm64') && generic[signal] !== undefined) return generic[signal];
  return (process.getBuiltinModule('node:os') as typeof import('node:os')).constants.signals[signal];
}

/**
 * Replaces this process with `file` (argv and env as given), started as spawn starts a child: the signals
 * Node ignores back to their default action, stdin, stdout and stderr blocking (O_NONBLOCK belongs to the
 * open file, which the command shares: Node sets it on a pipe whose stream it opened) and inherited.
 * Returns only when that failed: the errno, or undefined when no libc binding loads (or a word holds a
 * NUL), having changed nothing. `beforeExec` is called just before the execve (bin/run.js stores the
 * code cache there, so that the code of this last step is in it too).
 */
export function nativeExecve(file: string, argv: readonly string[], env: Record<string, string>, beforeExec: () => void = () => {}): number | undefined {
  const calls = libcExec();
  if (!calls) return undefined;
  const envp = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  // A C string ends at its first NUL: such a word is left to spawn, which refuses it as Node does.
  if ([file, ...argv, ...envp].some((w) => w.includes('\0'))) return undefined;
  for (const signal of IGNORED_BY_NODE) calls.signalDefault(signalNumber(signal));
  for (let fd = 0; fd <= 2; fd++) {
    const status = calls.fcntl(fd, F_GETFL, 0);
    if (status >= 0 && (status & fsConstants.O_NONBLOCK) !== 0) calls.fcntl(fd, F_SETFL, status & ~fsConstants.O_NONBLOCK);
    const flags = calls.fcntl(fd, F_GETFD, 0);
    if (flags >= 0 && (flags & FD_CLOEXEC) !== 0) calls.fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  beforeExec();
  calls.execve(file, argv, envp);
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
