import { describe, expect, it } from 'vitest';
import { parseProcStat } from './proc-stat.js';

// 52 fields, as Linux 6.x prints them; field 22 (starttime) is 8123456.
const tail = 'S 1 4242 4242 34816 4242 4194560 100 0 0 0 1 2 0 0 20 0 1 0 8123456 10000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it.each<[string, string]>([
    ['a plain name', `4242 (node) ${tail}`],
    ['a name with spaces', `4242 (my prog) ${tail}`],
    ['a name with parentheses and a fake tail', `4242 (x) S 9 9 9 9 9 (y) ${tail}`],
    ['a trailing newline', `4242 (node) ${tail}\n`],
  ])('reads state, groups, terminal and start time past %s', (_, line) => {
    expect(parseProcStat(line)).toEqual({ state: 'S', ppid: 1, pgrp: 4242, session: 4242, ttyNr: 34816, tpgid: 4242, startTime: '8123456' });
  });

  it.each(['', 'garbage', '4242 (node) S 1 2', '4242 (node)'])('is undefined for %j', (line) => {
    expect(parseProcStat(line)).toBeUndefined();
  });
});
