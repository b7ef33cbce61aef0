// Temporary keys are never map keys: a lease is found by a keyed fingerprint of its value (HMAC-SHA256
// under a random key of this daemon's, so a fingerprint says nothing outside it), and the value itself is
// dropped as soon as it is returned to the caller. Audit records and listings carry the first 16 hex
// characters of that fingerprint.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { randomText } from './random-pool.js';

/** Fingerprints of temporary keys under one random key, made when the daemon starts. */
export class KeyFingerprints {
  // A KeyObject, made once: on Node 24 createHmac with a Buffer key took 17-18 us, with a KeyObject 2.3 us.
  private readonly key = createSecretKey(randomBytes(32));

  /** The lookup key of `value`: its HMAC-SHA256, 64 hex characters. */
  of(value: string): string {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('hex');
  }
}

/** What a listing and an audit record show of a lookup key: its first 16 hex characters. */
export function shortFingerprint(key: string): string {
  return key.slice(0, 16);
}

/** A new random lease id (`lease_` and 22 base64url characters) that `taken` does not know. */
export function newLeaseId(taken: (id: string) => boolean): string {
  for (;;) {
    const id = `lease_${randomText(16, 'base64url')}`;
    if (!taken(id)) return id;
  }
}
