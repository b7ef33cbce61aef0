import { describe, expect, it } from 'vitest';
import { randomText } from './random-pool.js';

describe('randomText', () => {
  it('encodes the number of bytes asked for, as hex or base64url', () => {
    for (const n of [1, 2, 3, 16, 32, 255, 256, 257, 1024]) {
      expect(Buffer.from(randomText(n, 'hex'), 'hex')).toHaveLength(n);
      const b64 = randomText(n, 'base64url');
      expect(b64).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(b64, 'base64url')).toHaveLength(n);
    }
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    // 40,000 values of 16 bytes: 160 refills of the 4 KiB pool. A repeat would be a pool slice served twice.
    const seen = new Set<string>();
    for (let i = 0; i < 40_000; i++) seen.add(randomText(16, 'hex'));
    expect(seen.size).toBe(40_000);
  });

  it('uses every bit: each byte value appears in a large sample, no bit is stuck', () => {
    const bytes = Buffer.from(Array.from({ length: 2000 }, () => randomText(32, 'hex')).join(''), 'hex');
    const counts = new Array<number>(256).fill(0);
    let ones = 0;
    for (const b of bytes) {
      counts[b] = (counts[b] ?? 0) + 1;
      for (let bit = 0; bit < 8; bit++) ones += (b >> bit) & 1;
    }
    // 64,000 bytes: 250 of each value expected; a value missing or a stuck bit would be a broken pool.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.abs(ones / (bytes.length * 8) - 0.5)).toBeLessThan(0.01);
  });

  it('refuses a byte count that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => randomText(n, 'hex')).toThrow(RangeError);
  });
});
