import { describe, it, expect } from 'vitest';
import { isLatchkeyError, type LatchkeyError } from '@latchkey/core';
import { issueRandom } from './random.js';

function inputErrorOf(fn: () => unknown): LatchkeyError {
  try {
    fn();
  } catch (err) {
    if (isLatchkeyError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('issueRandom', () => {
  it('defaults to 32 bytes of base64url without padding', () => {
    const key = issueRandom({});
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
  });

  it('encodes hex and keeps the byte count', () => {
    const key = issueRandom({ bytes: '16', encoding: 'hex' });
    expect(key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('prepends the prefix', () => {
    const key = issueRandom({ prefix: 'sk_test_', bytes: '24' });
    expect(key.startsWith('sk_test_')).toBe(true);
    expect(Buffer.from(key.slice('sk_test_'.length), 'base64url')).toHaveLength(24);
  });

  it('accepts the bounds 1 and 1024', () => {
    expect(issueRandom({ bytes: '1', encoding: 'hex' })).toMatch(/^[0-9a-f]{2}$/);
    expect(issueRandom({ bytes: '1024', encoding: 'hex' })).toHaveLength(2048);
  });

  it('mints a different key each time', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => issueRandom({})));
    expect(keys.size).toBe(1000);
  });

  it.each([['0'], ['1025'], ['-1'], ['abc'], ['1.5'], ['']])('refuses bytes=%j', (bytes) => {
    const err = inputErrorOf(() => issueRandom({ bytes }));
    expect(err.kind).toBe('input');
    expect(err.exitCode).toBe(65);
  });

  it('refuses an unknown encoding', () => {
    expect(inputErrorOf(() => issueRandom({ encoding: 'base64' })).kind).toBe('input');
  });

  it('refuses a prefix with spaces or control characters', () => {
    expect(inputErrorOf(() => issueRandom({ prefix: 'sk test' })).kind).toBe('input');
    expect(inputErrorOf(() => issueRandom({ prefix: 'a\nb' })).kind).toBe('input');
  });

  it('refuses unknown parameters, naming them', () => {
    const err = inputErrorOf(() => issueRandom({ size: '32' }));
    expect(err.kind).toBe('input');
    expect(err.message).toContain('"size"');
  });
});
