import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { assignmentPattern, assignments, formatDotenvLine, nameStart, parseDotenv, scanAssignments } from './dotenv.js';

/** Inputs of every shape dotenv reads; parseDotenv must agree with dotenv.parse on each. */
const TABLE: Array<[string, string]> = [
  ['empty file', ''],
  ['plain', 'A=1\nB=two\n'],
  ['no trailing newline', 'A=1\nB=2'],
  ['spaces around =', 'A = spaced  \n  B=  lead'],
  ['export prefix', 'export A=1\nexport   B="two"\n'],
  ['comments and blanks', '# top\n\nA=1 # trailing\n  # indented\nB=2\n\n\n'],
  ['single quotes keep escapes', "A='x\\ny'\nB='has # hash'\n"],
  ['double quotes expand \\n and \\r', 'A="line1\\nline2\\r"\n'],
  ['backticks', 'A=`it\'s "quoted"`\n'],
  ['multi-line double quoted', 'A="first\nsecond\nthird"\nB=after\n'],
  ['multi-line single quoted', "A='one\n two'\n"],
  ['unterminated quote', 'A="never closed\nB=2\n'],
  ['hash inside quotes', 'A="a#b" # c\n'],
  ['empty values', 'A=\nB=""\nC=\'\'\nD= # just a comment\n'],
  ['colon separator', 'A: yaml-ish\nB:c\n'],
  ['dots and dashes in keys', 'my.key=1\nmy-key=2\n'],
  ['duplicates: last wins', 'A=1\nA=2\n'],
  ['CRLF line endings', 'A=1\r\nB="x\r\ny"\r\nC=3\r\n'],
  ['CR line endings', 'A=1\rB=2\r'],
  ['unicode and BOM', '\uFEFFA=pässwörd ✓ 🔑\nB="鍵"\n'],
  ['trailing whitespace in quotes', 'A="  keep  "\nB=  drop  \n'],
  ['equals in value', 'A=postgres://u:p@h/db?x=1&y=2\n'],
  ['references', 'A=agent://stripe-test?owner=payments&docs=https://wiki/x\n'],
  ['garbage lines', 'not an assignment\nA=1\n=novalue\n'],
  ['quote then text', 'A="x" y\nB=2\n'],
  ['escaped quotes', 'A="say \\"hi\\""\nB=\'it\\\'s\'\n'],
  ['blank lines before a bad line and after', '\n\n \n\t\ngarbage\n\n\nA=1\n \n'],
  ['a name, blank lines, then =', 'A\n\n=1\nB\n\n: x\n'],
  ['value runs on after a blank line', 'A=1\n\n\n# c\nB=2'],
  ['unicode line separators', 'A=1\u2028B=2\nbad\u2028C=3\u2029D=4\n'],
  ['indented after blank lines', '\n   \n   A=1\n\u00a0B=2\n'],
  ['quoted value spanning blank lines', 'A="x\n\n\ny"\n\n\nB=2\n'],
];

describe('parseDotenv', () => {
  it.each(TABLE)('agrees with dotenv.parse: %s', (_label, text) => {
    const entries = parseDotenv(text);
    const asObject: Record<string, string> = {};
    for (const e of entries) asObject[e.name] = e.value;
    expect(asObject).toEqual(dotenv.parse(text));
  });

  it('reports the line of each name and the last line of each value', () => {
    const text = '# c\n\nexport A=1\nB="x\ny\nz" # note\nC=3\r\nD=\n';
    expect(parseDotenv(text)).toEqual([
      { name: 'A', value: '1', line: 3, endLine: 3 },
      { name: 'B', value: 'x\ny\nz', line: 4, endLine: 6 },
      { name: 'C', value: '3', line: 7, endLine: 7 },
      { name: 'D', value: '', line: 8, endLine: 8 },
    ]);
  });

  it('keeps every occurrence of a name set twice, in order', () => {
    expect(parseDotenv('A=1\nA=2\n').map((e) => [e.value, e.line])).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
  });
});

describe('formatDotenvLine', () => {
  it.each([
    ['plain', 'sk_test_1'],
    ['empty', ''],
    ['reference', 'agent://stripe-test?owner=payments'],
    ['hash', 'agent://x?desc=a#b'],
    ['spaces', '  padded  '],
    ['single quote', "it's"],
    ['both quotes', `it's "x"`],
  ])('round-trips through dotenv: %s', (_label, value) => {
    const line = formatDotenvLine('A', value);
    expect(line).toBeDefined();
    expect(dotenv.parse(line as string).A).toBe(value);
  });

  it('gives up when no quoting round-trips', () => {
    expect(formatDotenvLine('A', 'a#\'b"c`d')).toBeUndefined();
  });
});

describe('nameStart', () => {
  // Where the grammar without indices says a name starts must be where the grammar with indices says,
  // above all on lines that start with `export`, where the name may be `export` itself or a later word.
  const parts = [
    ['', ' ', '\n', '\t '],
    ['', '', 'export', 'export ', 'export\t', 'export\n', 'export \n ', 'export export '],
    ['A', 'export', 'export2', 'B.c-d', '', '#c'],
    ['=', ' =', ':', ': ', '', ' '],
    ['1', '"q"', "'a\nb'", '', ' # c', 'x\u2028y'],
    ['\n', '', '\n\n', ' '],
  ];
  it('agrees with the match indices on 4,000 generated files', () => {
    let seed = 7;
    const pick = (of: string[]) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return of[(seed >>> 16) % of.length] as string;
    };
    let named = 0;
    for (let f = 0; f < 4000; f++) {
      let text = '';
      for (let line = 0; line < 3; line++) for (const of of parts) text += pick(of);
      const expected = assignments(text).map((m) => m.indices?.[1]?.[0]);
      const got: number[] = [];
      scanAssignments(text, assignmentPattern(), (m, solid) => got.push(nameStart(text, m, solid)));
      expect(got, JSON.stringify(text)).toEqual(expected);
      named += got.filter((at) => /export\s+$/.test(text.slice(0, at))).length;
    }
    // The table reaches the case the shortcut is for: names after `export`.
    expect(named).toBeGreaterThan(100);
  });
});
