// `agent ls [--json] [--expiring D]`: the lean path (no oclif, no grpc-js), the same action as the oclif
// command's over h2lite. bin/run.js calls main(); any other form is oclif's.
import { listInputOf, listSecrets } from '../actions/secrets.js';
import { plainForm } from './argv.js';
import { leanDeps } from './deps.js';
import { runLean } from './run.js';

/** The flags of `agent ls` as oclif would parse `words` (after `ls`), when they are a plain form. */
export function parse(words: readonly string[]): { json: boolean; expiring?: string } | undefined {
  const form = plainForm(words, { booleans: ['json'], strings: ['expiring'] }, 0);
  return form && { json: form.booleans.has('json'), expiring: form.strings.get('expiring') };
}

/** Runs `agent ls` with `words` (after `ls`) when they are a plain form; false leaves them to oclif. */
export function main(words: readonly string[]): boolean {
  const flags = parse(words);
  if (!flags) return false;
  runLean(leanDeps(), (deps) => listSecrets(listInputOf(flags), deps));
  return true;
}
