// Resolves a mint command's program when the command is stored (`agent set --mint 'gh auth token'`):
// the first word is looked up on the daemon's configured PATH and replaced with its absolute path, so
// every later rotation runs exactly the program the user was shown, whatever PATH or folder the shell
// that started the daemon had.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { inputError, quote } from '@latchkey/core';

/** The command with its program pinned, and that program (undefined when the first word is shell syntax). */
export interface ResolvedMint {
  command: string;
  program?: string;
}

// Words that /bin/sh runs itself, or that start a compound command: there is no program to pin, and the
// clean PATH still applies to whatever they run.
const SHELL_WORDS = new Set([
  'if', 'for', 'while', 'until', 'case', '{', '!', 'exec', 'eval', '.', 'set', 'export', 'cd', 'exit',
  ':', 'true', 'false', 'test', '[', 'read', 'printf', 'echo', 'trap', 'umask', 'unset', 'command',
]);

/** Pins the first word of `command` to its absolute path on `path`; exit 65 when it is not there. */
export function resolveMintProgram(command: string, path: string): ResolvedMint {
  const match = /^\s*([^\s;&|<>()'"`$\\]+)(?=$|[\s;&|<>()])/.exec(command);
  const word = match?.[1];
  // Quoting, substitutions, subshells, assignments (`A=b cmd`): shell syntax, not a program name.
  if (!match || !word || word.includes('=') || SHELL_WORDS.has(word)) return { command };
  const rest = command.slice(match[0].length);
  if (word.includes('/')) {
    if (!word.startsWith('/')) {
      throw inputError(`the mint command's program ${quote(word)} is a relative path`, 'give its absolute path: mint commands run in the state folder');
    }
    if (!isExecutableFile(word)) throw inputError(`the mint command's program ${quote(word)} is not an executable file`, 'check the path, or give another program');
    return { command, program: word };
  }
  for (const dir of path.split(':')) {
    const candidate = join(dir, word);
    if (dir.startsWith('/') && isExecutableFile(candidate)) return { command: `${shellQuote(candidate)}${rest}`, program: candidate };
  }
  throw inputError(
    `the mint command's program ${quote(word)} is not on the daemon's PATH (${path})`,
    `give its absolute path, or add its folder to "path" in config.json`,
  );
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `p` as one /bin/sh word (as it is when it holds no special character). */
function shellQuote(p: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
