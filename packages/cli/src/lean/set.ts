// `agent set NAME [--ttl T] [--owner O] [--desc D] [--project] [--mint CMD]`: the lean path (no oclif, no
// grpc-js), the same action as the oclif command's (hidden prompt on a terminal, stdin otherwise, or the
// daemon's mint) over h2lite. bin/run.js calls main(); any other form (--allow-grant, help, ...) is oclif's.
import { setInputOf, setSecret, type SetFlags } from '../actions/secrets.js';
import { plainForm } from './argv.js';
import { leanDeps } from './deps.js';
import { runLean } from './run.js';

/** The argument and flags of `agent set` as oclif would parse `words` (after `set`), when they are a plain form. */
export function parse(words: readonly string[]): { name: string; flags: SetFlags } | undefined {
  const form = plainForm(words, { booleans: ['project'], strings: ['ttl', 'owner', 'desc', 'mint'] }, 1);
  if (!form) return undefined;
  const { args, booleans, strings } = form;
  return {
    name: args[0]!,
    flags: { ttl: strings.get('ttl'), owner: strings.get('owner') ?? '', desc: strings.get('desc') ?? '', project: booleans.has('project'), mint: strings.get('mint') },
  };
}

/** Runs `agent set` with `words` (after `set`) when they are a plain form; false leaves them to oclif. */
export function main(words: readonly string[]): boolean {
  const parsed = parse(words);
  if (!parsed) return false;
  runLean(leanDeps(), (deps) => setSecret(setInputOf(parsed.name, parsed.flags), deps));
  return true;
}
