// Shell completion: the scripts `agent completion bash|zsh|fish` prints, and the pure rule that turns the words
// typed so far into candidates (command names, then a command's flags, flag values and stored names).

/** What completion knows of one command. */
export interface CompletableCommand {
  /** Words separated by spaces: `daemon start`. */
  id: string;
  flags: { name: string; char?: string; takesValue: boolean; options?: readonly string[] }[];
}

/** What the first argument of a command names, when the daemon can list it. */
export type ArgKind = 'secret' | 'lease';

/** Commands whose first argument is a stored secret's name or a lease id. */
export const ARG_KINDS: Readonly<Record<string, ArgKind>> = { get: 'secret', rm: 'secret', rotate: 'secret', set: 'secret', revoke: 'lease' };

/** The outcome of reading the typed words: fixed candidates, or a kind of name the daemon must list. */
export interface CompletionPlan {
  candidates: string[];
  /** Set when the word being completed is a stored name; the caller lists them and filters by `prefix`. */
  names?: ArgKind;
  prefix: string;
}

/**
 * Plans the candidates for the last word of `words` (the words after `agent`, the last one being the partial word
 * under the cursor, possibly empty). Pure: names held by the daemon are asked for through `names`.
 */
export function planCompletion(commands: readonly CompletableCommand[], words: readonly string[]): CompletionPlan {
  const prefix = words.at(-1) ?? '';
  const typed = words.slice(0, -1);
  if (typed.includes('--')) return { candidates: [], prefix };
  const positional = typed.filter((w) => !w.startsWith('-'));
  let command: CompletableCommand | undefined;
  let used = 0;
  for (let n = positional.length; n > 0 && !command; n--) {
    command = commands.find((c) => c.id === positional.slice(0, n).join(' '));
    if (command) used = n;
  }
  if (!command) {
    // Still choosing the command: the next word of every command id under what was typed.
    const path = positional.join(' ');
    const next = new Set<string>();
    for (const c of commands) {
      const parts = c.id.split(' ');
      if (parts.slice(0, positional.length).join(' ') === path && parts.length > positional.length) next.add(parts[positional.length] as string);
    }
    return { candidates: [...next].filter((w) => w.startsWith(prefix)).sort(), prefix };
  }
  const previous = typed.at(-1);
  const valueFlag = previous?.startsWith('-') ? findFlag(command, previous) : undefined;
  if (valueFlag?.takesValue) return { candidates: (valueFlag.options ?? []).filter((o) => o.startsWith(prefix)), prefix };
  if (prefix.startsWith('-')) {
    const flags = command.flags.map((f) => `--${f.name}`).concat(['--help']);
    return { candidates: flags.filter((f) => f.startsWith(prefix)).sort(), prefix };
  }
  const argsGiven = positional.length - used - countFlagValues(command, typed);
  const kind = ARG_KINDS[command.id];
  if (kind && argsGiven === 0) return { candidates: [], names: kind, prefix };
  return { candidates: [], prefix };
}

function findFlag(command: CompletableCommand, word: string): CompletableCommand['flags'][number] | undefined {
  if (word.includes('=')) return undefined;
  if (word.startsWith('--')) return command.flags.find((f) => f.name === word.slice(2));
  return command.flags.find((f) => f.char !== undefined && f.char === word.slice(1));
}

/** How many of the positional-looking words are values of flags (`--ttl 8h`). */
function countFlagValues(command: CompletableCommand, typed: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < typed.length - 1; i++) {
    const w = typed[i] as string;
    if (w.startsWith('-') && findFlag(command, w)?.takesValue && !(typed[i + 1] as string).startsWith('-')) n++;
  }
  return n;
}

/** The script that hooks `agent __complete` into a shell. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', bin: string): string {
  switch (shell) {
    case 'bash':
      return [
        `# bash completion for ${bin}: add to ~/.bashrc:  eval "$(${bin} completion bash)"`,
        `_${bin}_complete() {`,
        `  local IFS=$'\\n'`,
        `  COMPREPLY=($(${bin} __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))`,
        '}',
        `complete -o default -F _${bin}_complete ${bin}`,
        '',
      ].join('\n');
    case 'zsh':
      return [
        `# zsh completion for ${bin}: add to ~/.zshrc (after compinit):  eval "$(${bin} completion zsh)"`,
        `_${bin}_complete() {`,
        '  local -a candidates',
        `  candidates=(\${(f)"$(${bin} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)"})`,
        '  if (( ${#candidates} )); then compadd -a candidates; else _files; fi',
        '}',
        `compdef _${bin}_complete ${bin}`,
        '',
      ].join('\n');
    case 'fish':
      return [
        `# fish completion for ${bin}: ${bin} completion fish > ~/.config/fish/completions/${bin}.fish`,
        `function __${bin}_complete`,
        '    set -l tokens (commandline -opc)',
        '    set -e tokens[1]',
        `    ${bin} __complete -- $tokens (commandline -ct) 2>/dev/null`,
        'end',
        `complete -c ${bin} -f -a '(__${bin}_complete)'`,
        '',
      ].join('\n');
  }
}
