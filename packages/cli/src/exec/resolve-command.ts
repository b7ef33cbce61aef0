// Finding the program to run the way a shell would (execvp), so a missing command is 127 and a
// non-executable one 126, on both the spawn and the execve path.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/core/errors';

/** A command that cannot be run, with the shell's exit code (127 not found, 126 not executable). */
export class CommandError extends LatchkeyError {
  constructor(
    message: string,
    readonly code: 126 | 127,
  ) {
    super('usage', message, code === 127 ? 'check the spelling, or the PATH of the environment' : 'check its permissions (chmod +x)');
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
    return full;
  }
  let sawNonExecutable = false;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = resolve(cwd, join(dir || '.', command));
    const state = executable(candidate);
    if (state === 'ok') return candidate;
    if (state === 'not-executable') sawNonExecutable = true;
  }
  if (sawNonExecutable) throw new CommandError(`permission denied: ${command} is not executable`, 126);
  throw new CommandError(`command not found: ${command}`, 127);
}
