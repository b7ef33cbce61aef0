import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { KeyFingerprints, newLeaseId, shortFingerprint } from './lease-fingerprints.js';

describe('KeyFingerprints', () => {
  it('is stable within a daemon, keyed (differs between daemons and from a plain hash), 64 hex', () => {
    const a = new KeyFingerprints();
    const b = new KeyFingerprints();
    const value = 'a temporary key value';
    expect(a.of(value)).toMatch(/^[0-9a-f]{64}$/);
    expect(a.of(value)).toBe(a.of(value));
    expect(a.of(value)).not.toBe(b.of(value));
    expect(a.of(value)).not.toBe(createHash('sha256').update(value).digest('hex'));
    expect(a.of(value)).not.toBe(a.of(`${value} `));
    expect(shortFingerprint(a.of(value))).toBe(a.of(value).slice(0, 16));
  });

  it('makes lease ids that are not taken', () => {
    const seen = new Set<string>();
    let asked = 0;
    const id = newLeaseId((candidate) => {
      asked++;
      seen.add(candidate);
      return asked < 3; // the first two are taken
    });
    expect(asked).toBe(3);
    expect(seen.size).toBe(3);
    expect(id).toMatch(/^lease_[A-Za-z0-9_-]{22}$/);
  });
});
