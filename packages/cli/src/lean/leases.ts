// `agent leases [--json]`: the lean path (no oclif, no grpc-js), the same action as the oclif command's over
// h2lite. bin/run.js calls main(); any other form is oclif's.
import { listLeases } from '../actions/temp.js';
import { plainForm } from './argv.js';
import { leanDeps } from './deps.js';
import { runLean } from './run.js';

/** The flags of `agent leases` as oclif would parse `words` (after `leases`), when they are a plain form. */
export function parse(words: readonly string[]): { json: boolean } | undefined {
  const form = plainForm(words, { booleans: ['json'], strings: [] }, 0);
  return form && { json: form.booleans.has('json') };
}

/** Runs `agent leases` with `words` (after `leases`) when they are a plain form; false leaves them to oclif. */
export function main(words: readonly string[]): boolean {
  const flags = parse(words);
  if (!flags) return false;
  runLean(leanDeps(), (deps) => listLeases(flags, deps));
  return true;
}
