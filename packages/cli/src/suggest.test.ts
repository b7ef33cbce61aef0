import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

const COMMANDS = ['set', 'exec', 'get', 'ls', 'rm', 'rotate', 'temp random', 'temp jwt', 'leases', 'revoke', 'import', 'allow', 'deny', 'daemon start', 'daemon stop', 'daemon status', 'onboard', 'audit', 'audit verify', 'doctor', 'completion'];

describe('editDistance', () => {
  it.each([
    ['exec', 'exec', 0],
    ['exce', 'exec', 1],
    ['sett', 'set', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%s to %s is %i', (a, b, n) => {
    expect(editDistance(a, b)).toBe(n);
  });
});

describe('closest', () => {
  it.each([
    ['exce', 'exec'],
    ['sett', 'set'],
    ['doctr', 'doctor'],
    ['daemon strat', 'daemon start'],
    ['leas', 'leases'],
    ['onbaord', 'onboard'],
  ])('%s suggests %s', (typed, want) => {
    expect(closest(typed, COMMANDS)).toBe(want);
  });

  it.each(['x', 'frobnicate', 'zzzz', 'da'])('%s suggests nothing', (typed) => {
    expect(closest(typed, COMMANDS)).toBeUndefined();
  });
});
