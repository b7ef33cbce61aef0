// A pseudo-terminal for a child whose output we must read (`agent exec --mask` on a terminal), so it
// still sees a terminal: colours, line editing and full-screen programs keep working. Node has no pty,
// so this runs the command under util-linux script(1) (Debian: bsdutils), logging to /dev/null.
//
// What script(1) does, measured with util-linux 2.38.1 (see pty.test.ts):
// - It runs the command with `$SHELL -c STRING`; there is no way to pass an argv. We therefore start it
//   from /bin/sh with SHELL=/bin/sh (so the string is parsed by a POSIX shell, not fish, csh or a zsh
//   reading ~/.zshenv), single-quote every word, restore the caller's SHELL (or its absence) inside,
//   and `exec` the command so no shell stays in between: the command is script's child.
// - With -e (--return) script exits with the command's exit code, or 128+n when it died of signal n.
// - The pty's line discipline turns "\n" into "\r\n" in the output (ONLCR). That is what a terminal
//   needs (script puts our terminal in raw mode when stdin is one), so it is left as it is.
// - stdout and stderr of the command are the same terminal: they arrive merged on script's stdout.
// - When stdin is a terminal, script makes it raw and relays keys, so Ctrl-C and Ctrl-Z reach the
//   command through the pty, and it copies the window size on start and on SIGWINCH. When stdin is not
//   a terminal, script leaves the pty at 0x0 (we set our stdout's size with stty, once: later resizes
//   are not seen), and input reaches the command through the pty's line discipline (EOF included);
//   `-E never` stops the pty from echoing that input into the output.
// - Signals sent to script itself are not forwarded as they are: SIGTERM, SIGINT and SIGQUIT make it
//   send SIGTERM to the command, stop relaying output, print "Session terminated, killing shell..." on
//   stderr, wait 2 s, SIGKILL the command and exit 0 (the exit code is lost). SIGHUP and SIGUSR1 are not
//   passed on, SIGTSTP stops script but not the command. Hence `ptySignal`, which delivers a signal
//   to the command the way a terminal or `kill` would.
// - The whole command is one argv string, so it is limited to 128 KiB (Linux MAX_ARG_STRLEN); the
//   command name is given to exec as is, so `argv[0]` cannot differ from it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { parseProcStat } from '@latchkey/core/proc-stat';

/** util-linux script(1) gained `-E/--echo` in 2.35. */
const MIN_VERSION: readonly [number, number] = [2, 35];

let available: boolean | undefined;

/** Whether util-linux script(1), 2.35 or later, is on the PATH (checked once). */
export function ptyAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync('script', ['--version'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /util-linux\s+(\d+)\.(\d+)/.exec(r.stdout ?? '');
    available =
      r.status === 0 &&
      m !== null &&
      (Number(m[1]) > MIN_VERSION[0] || (Number(m[1]) === MIN_VERSION[0] && Number(m[2]) >= MIN_VERSION[1])) &&
      spawnSync('/bin/sh', ['-c', ':'], { stdio: 'ignore', timeout: 2000 }).status === 0;
  }
  return available;
}

/** Quotes a word for a POSIX shell: single quotes, each `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Options of `ptyCommand`. */
export interface PtyOptions {
  /** Whether the child's stdin will be a terminal (default: whether ours is); if not, input is not echoed. */
  stdinIsTTY?: boolean;
  /**
   * The pty's window size when stdin is not a terminal (script copies it from stdin otherwise);
   * default: our stdout's size, if it is a terminal. It is set once, at start.
   */
  size?: { columns: number; rows: number };
}

/** The invocation that runs `file args...` under a pseudo-terminal via script(1); spawn it with stdout piped. */
export function ptyCommand(file: string, args: readonly string[], opts: PtyOptions = {}): { file: string; args: string[] } {
  if (file.startsWith('-')) throw new RangeError(`cannot run a command whose name starts with "-" under a pty: ${file}`);
  const stdinIsTTY = opts.stdinIsTTY ?? isatty(0);
  const command = [file, ...args].map(shellQuote).join(' ');
  const size = stdinIsTTY ? undefined : (opts.size ?? stdoutSize());
  const stty = size && validSize(size.columns, size.rows) ? `stty cols ${size.columns} rows ${size.rows} 2>/dev/null; ` : '';
  // Run by script's /bin/sh: give the command back the SHELL it was spawned with, then become it.
  const inner =
    'if [ -n "${__LATCHKEY_PTY_SHELL+x}" ]; then SHELL=$__LATCHKEY_PTY_SHELL; unset __LATCHKEY_PTY_SHELL; else unset SHELL; fi; ' +
    `${stty}exec ${command}`;
  // Run by the outer /bin/sh: keep SHELL aside, make script use /bin/sh, then become script.
  const outer =
    'if [ -n "${SHELL+x}" ]; then __LATCHKEY_PTY_SHELL=$SHELL; export __LATCHKEY_PTY_SHELL; fi; ' +
    `SHELL=/bin/sh; export SHELL; exec script -q -e -E ${stdinIsTTY ? 'auto' : 'never'} -c "$1" /dev/null`;
  return { file: '/bin/sh', args: ['-c', outer, 'latchkey-pty', inner] };
}

function stdoutSize(): { columns: number; rows: number } | undefined {
  const { columns, rows } = process.stdout;
  return process.stdout.isTTY && validSize(columns, rows) ? { columns, rows } : undefined;
}

function validSize(columns: number, rows: number): boolean {
  return [columns, rows].every((n) => Number.isInteger(n) && n > 0 && n < 65536);
}

/** The pid of the command script(1) runs, if it has started (Linux /proc). */
export function ptyChildPid(scriptPid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** The foreground process group of the command's terminal (the pty), if known. */
function ptyForegroundGroup(childPid: number): number | undefined {
  try {
    const tpgid = parseProcStat(readFileSync(`/proc/${childPid}/stat`, 'latin1'))?.tpgid;
    return tpgid !== undefined && tpgid > 0 ? tpgid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Delivers `signal` for a command run by `ptyCommand` under script(1) pid `scriptPid`, as a terminal or
 * `kill` would: SIGWINCH to script (which copies our window size to the pty, and the pty signals the
 * command); SIGINT, SIGQUIT and SIGTSTP to the pty's foreground process group (as keys would); others to
 * the command itself. Returns whether a signal was sent.
 */
export function ptySignal(scriptPid: number, signal: NodeJS.Signals): boolean {
  try {
    if (signal === 'SIGWINCH') return process.kill(scriptPid, signal);
    const child = ptyChildPid(scriptPid);
    if (child === undefined) return false;
    if (signal === 'SIGINT' || signal === 'SIGQUIT' || signal === 'SIGTSTP') {
      const group = ptyForegroundGroup(child);
      if (group !== undefined) return process.kill(-group, signal);
    }
    return process.kill(child, signal);
  } catch {
    return false;
  }
}
