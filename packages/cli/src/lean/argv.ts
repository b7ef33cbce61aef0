// The plain forms of a command's words that the lean paths parse themselves, read exactly as oclif reads
// them; anything else is left to oclif (its parsing, errors and help stay the reference).

/** A command's flags as the lean path knows them: booleans, and flags that take one string. */
export interface FlagSpec {
  booleans: readonly string[];
  strings: readonly string[];
}

/** The words of a plain form: its arguments, the booleans given, the strings given. */
export interface PlainForm {
  args: string[];
  booleans: Set<string>;
  strings: Map<string, string>;
}

/**
 * `words` as a plain form of a command taking `argCount` arguments and the flags of `spec`, or undefined.
 * Plain: `--boolean`, `--string value` and `--string=value`, each flag once, each value non-empty and not
 * starting with '-', and exactly `argCount` other words, none starting with '-'. Left to oclif: `--help`,
 * `-h` and every other short or unknown flag, `--`, a repeated flag, a value that starts with '-' or is
 * empty, a missing or extra argument.
 */
export function plainForm(words: readonly string[], spec: FlagSpec, argCount: number): PlainForm | undefined {
  const form: PlainForm = { args: [], booleans: new Set(), strings: new Map() };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      form.args.push(word);
      continue;
    }
    if (!word.startsWith('--')) return undefined;
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    if (form.booleans.has(name) || form.strings.has(name)) return undefined;
    if (spec.booleans.includes(name) && eq < 0) {
      form.booleans.add(name);
      continue;
    }
    if (!spec.strings.includes(name)) return undefined;
    const value = eq < 0 ? words[++i] : word.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    form.strings.set(name, value);
  }
  return form.args.length === argCount ? form : undefined;
}
