import { describe, expect, it } from 'vitest';
import { compareText } from './collate.js';

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._/-';

describe('compareText', () => {
  it('orders as localeCompare (root collation) does, on random printable ASCII and on secret names', () => {
    const collator = new Intl.Collator('und');
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0) % n);
    const word = (chars: string) => Array.from({ length: 1 + rnd(8) }, () => chars[rnd(chars.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const chars = i % 2 === 0 ? PRINTABLE : NAME_CHARS;
      const a = word(chars);
      // Near neighbours too: the same word in another case, with one more character, or one changed.
      const b = [word(chars), a.toUpperCase(), a + chars[rnd(chars.length)], a.slice(0, -1) + chars[rnd(chars.length)]][rnd(4)] as string;
      expect(compareText(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(collator.compare(a, b)));
    }
    for (const [a, b] of [['a', 'A'], ['A', 'b'], ['ab', 'Ab'], ['aB', 'Ab'], ['a-b', 'a_b'], ['a.b', 'a-b'], ['a/b', 'a.b'], ['10', '2'], ['z', '0'], ['/home/A', '/home/a']]) {
      expect(compareText(a as string, b as string), `${a} vs ${b}`).toBe(Math.sign(collator.compare(a as string, b as string)));
    }
  });

  it('is a total order on ASCII text: equal only for equal strings, antisymmetric', () => {
    expect(compareText('', '')).toBe(0);
    expect(compareText('Project', 'Project')).toBe(0);
    expect(compareText('a', 'A')).toBe(-1);
    expect(compareText('A', 'a')).toBe(1);
    expect(compareText('', 'a')).toBe(-1);
  });

  it('hands text outside printable ASCII to localeCompare', () => {
    expect(compareText('/home/é', '/home/f')).toBe(Math.sign('/home/é'.localeCompare('/home/f')));
    expect(compareText('a\tb', 'a b')).toBe(Math.sign('a\tb'.localeCompare('a b')));
  });
});
