// Finding the program to run the way a shell would (execvp), so a missing command is 127 and a
// non-executable one 126, on both the spawn and the execve path. A script whose `#!` interpreter is
// missing is refused here too: on the execve path Node aborts when execve fails, so nothing may be left
// for the kernel to refuse that can be foreseen.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/core/errors';

/** A command that cannot be run, with the shell's exit code (127 not found, 126 not executable). */
export class CommandError extends LatchkeyError {
  constructor(
    message: string,
    readonly code: 126 | 127,
    hint?: string,
  ) {
    super('usage', message, hint ?? (code === 127 ? 'check the spelling, or the PATH of the environment' : 'check its permissions (chmod +x)'));
  }

  override get exitCode(): number {
    return this.code;
  }
}

function executable(path: string): 'ok' | 'missing' | 'not-executable' {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'not-executable';
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'not-executable';
  }
}

/** The path of `command` as execvp would find it in `pathVar`, relative to `cwd`. */
export function resolveCommand(command: string, pathVar: string | undefined, cwd: string): string {
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    const state = executable(full);
    if (state === 'missing') throw new CommandError(`command not found: ${command}`, 127);
    if (state === 'not-executable') throw new CommandError(`permission denied: ${command} is not executable`, 126);
    return checkInterpreter(full, command, cwd);
  }
  let sawNonExecutable = false;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = resolve(cwd, join(dir || '.', command));
    const state = executable(candidate);
    if (state === 'ok') return checkInterpreter(candidate, command, cwd);
    if (state === 'not-executable') sawNonExecutable = true;
  }
  if (sawNonExecutable) throw new CommandError(`permission denied: ${command} is not executable`, 126);
  throw new CommandError(`command not found: ${command}`, 127);
}

/** The first `bytes` bytes of a file (fewer, or none when it cannot be read). */
function head(path: string, bytes: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The interpreter named by a script's `#!` line as Linux reads it (up to a space or tab), or undefined. */
export function interpreterOf(path: string): string | undefined {
  const start = head(path, 256);
  if (start[0] !== 0x23 || start[1] !== 0x21) return undefined;
  const line = start.subarray(2).toString('latin1').split('\n')[0] ?? '';
  return line.replace(/^[ \t]+/, '').split(/[ \t\0]/)[0] || undefined;
}

/** How many `#!` interpreters in a row Linux follows (BINPRM_MAX_RECURSION). */
const MAX_INTERPRETERS = 4;
const ELF_MAGIC = Buffer.from('\x7fELF', 'latin1');

/**
 * Whether the kernel runs `path` itself: an ELF binary, or a `#!` script whose interpreters lead to one.
 * execvp runs anything else (a script without `#!`) with /bin/sh.
 */
export function kernelRuns(path: string, cwd: string): boolean {
  let file = path;
  for (let depth = 0; depth <= MAX_INTERPRETERS; depth++) {
    if (head(file, 4).equals(ELF_MAGIC)) return true;
    const interpreter = interpreterOf(file);
    if (interpreter === undefined) return false;
    file = resolve(cwd, interpreter);
  }
  return false;
}

/** Returns `path`, or refuses a script whose interpreter is missing (127) or not executable (126), as a shell does. */
function checkInterpreter(path: string, command: string, cwd: string): string {
  let file = path;
  for (let depth = 0; depth < MAX_INTERPRETERS; depth++) {
    const interpreter = interpreterOf(file);
    if (interpreter === undefined) return path;
    file = resolve(cwd, interpreter);
    const state = executable(file);
    if (state === 'ok') continue;
    const hint = `fix the #! line of ${command}, or install ${JSON.stringify(interpreter)}`;
    if (state === 'missing') throw new CommandError(`bad interpreter: ${command} asks for ${JSON.stringify(interpreter)}, which does not exist`, 127, hint);
    throw new CommandError(`bad interpreter: ${command} asks for ${JSON.stringify(interpreter)}, which is not executable`, 126, hint);
  }
  return path;
}
