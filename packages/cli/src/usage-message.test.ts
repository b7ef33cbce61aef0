import { describe, expect, it } from 'vitest';
import { usageMessage } from './usage-message.js';

const FLAGS = { bytes: { min: 1, max: 1024 }, count: {} };

describe('usageMessage', () => {
  it.each([
    ['Parsing --bytes \n\tExpected an integer greater than or equal to 1 but received: 0\nSee more help with --help', '--bytes must be an integer from 1 to 1024 (got "0")'],
    ['Parsing --bytes \n\tExpected an integer but received: x\nSee more help with --help', '--bytes must be an integer from 1 to 1024 (got "x")'],
    ['Parsing --count \n\tExpected an integer but received: x\nSee more help with --help', '--count: expected an integer but received: x'],
    ['Expected --enc=x to be one of: hex, b\nSee more help with --help', 'expected --enc=x to be one of: hex, b'],
    ['Nonexistent flag: --nope\nSee more help with --help', 'nonexistent flag: --nope'],
    ['Flag --enc expects a value', 'flag --enc expects a value'],
    ['Missing 1 required arg:\nname  secret name\nSee more help with --help', 'missing argument NAME'],
    ['Missing 2 required args:\nname  secret name\nvalue  the value\nSee more help with --help', 'missing arguments NAME, VALUE'],
  ])('%j', (raw, want) => {
    expect(usageMessage(raw, FLAGS)).toBe(want);
  });
});
