import { Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import Leases from '../commands/leases.js';
import Ls from '../commands/ls.js';
import Set from '../commands/set.js';
import { parse as parseLeases } from './leases.js';
import { parse as parseLs } from './ls.js';
import { parse as parseSet } from './set.js';

// oclif's Parser is what the oclif commands' this.parse() runs, with the same flags and args.
// Words a user may type after the command: flags of the three commands (known, unknown, with and without
// values), help, `--`, values that look like flags, empty values, plain words.
const VOCABULARY = [
  'name-1', 'team/db.password', '--json', '--json=true', '--expiring', '--expiring=2h', '1h', '5', '--ttl', '--ttl=8h', '8h',
  '--owner', '--owner=', 'me', '--desc', 'a b', '--project', '--mint', 'echo x', '--mint=a=b', '--allow-grant', 'createrole',
  '-h', '--help', '--', '-', '', '-5', '--unknown', '--no-json', 'x=y',
];

/** Deterministic word lists: every list of up to 2 words, then 4,000 of 3 to 6 words from a fixed seed. */
function* wordLists(): Generator<string[]> {
  yield [];
  for (const a of VOCABULARY) {
    yield [a];
    for (const b of VOCABULARY) yield [a, b];
  }
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 4000; i++) yield Array.from({ length: 3 + (next() % 4) }, () => VOCABULARY[next() % VOCABULARY.length]!);
}

describe('the plain forms the lean paths take are read exactly as oclif reads them', () => {
  it('agent ls: every form the lean path takes, oclif parses to the same flags', async () => {
    let taken = 0;
    for (const words of wordLists()) {
      const lean = parseLs(words);
      if (lean === undefined) continue;
      taken++;
      expect((await Parser.parse(words, { flags: Ls.flags, args: Ls.args, strict: Ls.strict })).flags, JSON.stringify(words)).toEqual(lean);
    }
    expect(taken).toBeGreaterThan(10);
  });

  it('agent leases: every form the lean path takes, oclif parses to the same flags', async () => {
    let taken = 0;
    for (const words of wordLists()) {
      const lean = parseLeases(words);
      if (lean === undefined) continue;
      taken++;
      expect((await Parser.parse(words, { flags: Leases.flags, args: Leases.args, strict: Leases.strict })).flags, JSON.stringify(words)).toEqual(lean);
    }
    expect(taken).toBeGreaterThan(1);
  });

  it('agent set: every form the lean path takes, oclif parses to the same argument and flags', async () => {
    let taken = 0;
    for (const words of wordLists()) {
      const lean = parseSet(words);
      if (lean === undefined) continue;
      taken++;
      const { args, flags } = await Parser.parse(words, { flags: Set.flags, args: Set.args, strict: Set.strict });
      expect({ name: args.name, flags }, JSON.stringify(words)).toEqual(lean);
    }
    expect(taken).toBeGreaterThan(100);
  });

  it('leaves to oclif: help, --, repeated flags, --allow-grant, empty values and values that start with -', () => {
    for (const words of [['--help'], ['-h'], ['--json', '--json'], ['--', 'x'], ['--expiring='], ['--expiring', '-5'], ['--no-json'], ['x']]) expect(parseLs(words), JSON.stringify(words)).toBeUndefined();
    for (const words of [[], ['a', 'b'], ['a', '--allow-grant', 'createrole'], ['a', '--owner', '--project'], ['a', '--ttl', '1h', '--ttl', '2h'], ['-'], ['a', '--owner=']]) {
      expect(parseSet(words), JSON.stringify(words)).toBeUndefined();
    }
  });
});
