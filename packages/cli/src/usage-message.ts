// oclif's parse errors, said in the agent's voice and with the reason: "parsing --bytes" alone tells nothing.

/** What usage messages need of a flag's definition. */
export interface FlagFacts {
  min?: number;
  max?: number;
  options?: readonly string[];
}

/** Turns an oclif parse error's message into one lowercase line that says what was wrong and what is allowed. */
export function usageMessage(raw: string, flags: Readonly<Record<string, FlagFacts | undefined>>): string {
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^see more help with/i.test(l));
  const parsing = /^Parsing (--[\w-]+)$/.exec(lines[0] ?? '');
  if (parsing) {
    const flag = parsing[1] as string;
    const facts = flags[flag.slice(2)];
    const got = /received: (.*)$/.exec(lines[1] ?? '')?.[1];
    if (facts && facts.min !== undefined && facts.max !== undefined) {
      return `${flag} must be an integer from ${facts.min} to ${facts.max}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    }
    if (lines[1]) return `${flag}: ${lowerFirst(lines[1])}`;
    return `invalid value for ${flag}`;
  }
  if (/^Missing \d+ required args?:$/.test(lines[0] ?? '')) {
    const names = lines.slice(1).map((l) => l.split(/\s+/)[0]?.toUpperCase() ?? '').filter((n) => n !== '');
    return `missing ${names.length === 1 ? 'argument' : 'arguments'} ${names.join(', ')}`;
  }
  return lowerFirst(lines[0] ?? 'invalid usage').replace(/\.$/, '');
}

function lowerFirst(s: string): string {
  return s.replace(/^./, (c) => c.toLowerCase());
}
