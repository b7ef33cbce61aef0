import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parseManifest, queryParams, referencedSecrets } from './manifest.js';

const KIB = 1024;

/** 256 KiB shapes that made dotenv's grammar, left to scan by itself, go quadratic (97 s for the first). */
const HOSTILE: Array<[string, string]> = [
  ['blank lines, then a bad line', `${'\n'.repeat(256 * KIB - 8)}garbage\n`],
  ['lines of spaces, then a bad line', `${' \n'.repeat(128 * KIB - 8)}garbage\n`],
  ['one name then blank lines', `A${'\n'.repeat(256 * KIB - 2)}\n`],
  ['an unterminated quote', `A="${'x\n'.repeat(128 * KIB - 2)}`],
  ['20,000 references', Array.from({ length: 20_000 }, (_, i) => `V${i}=agent://s-${i}?owner=t`).join('\n').slice(0, 256 * KIB)],
];

describe('parseManifest', () => {
  it('reads values as dotenv does and reports lines', () => {
    const text = '# c\n\n  A=1\nB="x\ny"\nC=agent://stripe-test?owner=payments\nJ=agent://temp/jwt?signer=prod-signer&sub=root\n';
    const m = parseManifest(text, 'f');
    expect(Object.fromEntries(m.entries.map((e) => [e.variable, e.value]))).toEqual(dotenv.parse(text));
    expect(m.entries.map((e) => e.line)).toEqual([3, 4, 6, 7]);
    expect(referencedSecrets(m)).toEqual(['stripe-test', 'prod-signer']);
  });

  it('names the line of a bad line after many blank ones', () => {
    expect(() => parseManifest(`A=1\n${'\n'.repeat(5000)}bad\n`, 'f')).toThrow('f:5002: this line does not parse as NAME=value');
  });

  it('gives the line of a name that `export` puts on a later line, and of the lines after it', () => {
    const m = parseManifest('export\n\nA=1\nB=2\n  export C=3\n', 'f');
    expect(m.entries.map((e) => [e.variable, e.line])).toEqual([['A', 3], ['B', 4], ['C', 5]]);
  });

  it('reports a bad reference before a line that does not parse earlier in the file, as it always has', () => {
    expect(() => parseManifest('bad line\nA=agent://temp/nope\n', 'f')).toThrow('f:2: bad reference for A');
    expect(() => parseManifest('A=1\nbad line\nB=2\n', 'f')).toThrow('f:2: this line does not parse as NAME=value');
    expect(() => parseManifest('A=1\nB=2\n# ok\nstill bad', 'f')).toThrow('f:4: this line does not parse as NAME=value');
  });

  // SECURITY.md 41: linear, checked structurally (a bound 20 to 100 times the time on a loaded 2-core
  // machine; the quadratic parse took 4 s to 97 s here). The figures: scripts/bench/manifest-parse.mjs.
  it.each(HOSTILE)('SECURITY 41: 256 KiB of %s parses (or fails) in well under a second', (_label, text) => {
    const started = performance.now();
    try {
      parseManifest(text, 'f');
    } catch {
      // a bad line is an error; only the time matters here
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('parseManifest with refused variables as data', () => {
  it('lists a variable refused only for being on the refused list, and still fails a bad name', () => {
    const refused: string[] = [];
    const m = parseManifest('LD_PRELOAD=/x.so\nPATH=/bin\nOK=1\n', 'agent.env', new Set(['PATH']), refused);
    expect(refused).toEqual(['LD_PRELOAD']);
    expect(m.entries.map((e) => e.variable)).toEqual(['LD_PRELOAD', 'PATH', 'OK']);
    expect(() => parseManifest('LD_PRELOAD=/x.so\n', 'agent.env')).toThrow('agent.env:1: LD_PRELOAD is refused');
    expect(() => parseManifest('1BAD=x\n', 'agent.env', new Set(), [])).toThrow('invalid variable name');
  });
});

describe('a reference query is read as URLSearchParams reads it', () => {
  it.each([
    'owner=team&desc=d',
    'owner=a+b&desc=%41%zz%',
    'a=1&&b=&c',
    'desc=%F0%9F%94%91&owner=caf%C3%A9',
    'owner=\uD800x',
    '=v&k=',
    'docs=https://x/y?z=1',
  ])('%j', (query) => {
    const ours = queryParams(query);
    expect([...ours]).toEqual([...new URLSearchParams(query)]);
  });

  it('a name given twice is refused either way', () => {
    expect(() => queryParams('owner=a&owner=b')).toThrow(/given twice/);
    expect(() => queryParams('owner=a&own%65r=b')).toThrow(/given twice/);
  });
});
