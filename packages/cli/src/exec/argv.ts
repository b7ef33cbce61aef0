// Parsing `agent exec [flags] -- COMMAND [ARGS...]` by hand: the hot path does not load oclif.
import { usageError } from '@latchkey/core/errors';

/** What `agent exec` was asked to do. */
export interface ExecOptions {
  envFiles: string[];
  allowVars: string[];
  mask: boolean;
  watch: boolean;
  help: boolean;
  command: string;
  args: string[];
}

const HINT = 'usage: agent exec [--env-file PATH]... [--allow-var NAME]... [--mask] [--watch] -- COMMAND [ARGS...]';

/** Parses the words after `exec`. Everything after `--` (or the first non-flag word) is the command, untouched. */
export function parseExecArgv(words: readonly string[]): ExecOptions {
  const out: ExecOptions = { envFiles: [], allowVars: [], mask: false, watch: false, help: false, command: '', args: [] };
  let i = 0;
  const valueOf = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = words[++i];
    if (v === undefined || v === '--') throw usageError(`${flag} needs a value`, HINT);
    return v;
  };
  for (; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-')) break;
    const eq = w.indexOf('=');
    const flag = eq > 0 ? w.slice(0, eq) : w;
    const inline = eq > 0 ? w.slice(eq + 1) : undefined;
    switch (flag) {
      case '--env-file':
      case '-f':
        out.envFiles.push(valueOf(flag, inline));
        break;
      case '--allow-var':
        out.allowVars.push(valueOf(flag, inline));
        break;
      case '--mask':
        out.mask = true;
        break;
      case '--watch':
      case '-w':
        out.watch = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        return out;
      default:
        throw usageError(`unknown flag ${JSON.stringify(w)} for exec`, `${HINT} (put the command's own flags after --)`);
    }
  }
  const rest = words.slice(i);
  if (rest.length === 0) throw usageError('no command to run', HINT);
  out.command = rest[0] as string;
  out.args = rest.slice(1);
  if (out.command === '') throw usageError('the command is an empty string', HINT);
  return out;
}
