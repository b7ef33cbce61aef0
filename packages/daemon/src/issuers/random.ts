// The `random` temporary key kind: bytes from the OS CSPRNG, encoded, with an optional prefix.
import { inputError, quote, validateRandomParams } from '@latchkey/core';
import { randomText } from '../random-pool.js';

/** The parameters a random key accepts. */
export const RANDOM_PARAMS: ReadonlySet<string> = new Set(['bytes', 'encoding', 'prefix']);

/** Default number of random bytes (256 bits). */
export const DEFAULT_RANDOM_BYTES = 32;

/**
 * Checks the parameters of a random key: only `bytes` (1..1024, default 32), `encoding`
 * (`hex` or `base64url`, default base64url) and `prefix` (up to 64 printable ASCII characters).
 * Anything else is an input error.
 */
export function checkRandomParams(params: Record<string, string>): void {
  for (const key of Object.keys(params)) {
    if (!RANDOM_PARAMS.has(key)) throw inputError(`unknown parameter ${quote(key)} for a random key`, 'use bytes, encoding or prefix');
  }
  validateRandomParams(params);
}

/** Mints a random key, e.g. `sk_test_` + 32 random bytes as base64url (no padding). */
export function issueRandom(params: Record<string, string>): string {
  checkRandomParams(params);
  const bytes = params.bytes === undefined ? DEFAULT_RANDOM_BYTES : Number(params.bytes);
  const encoding = params.encoding === 'hex' ? 'hex' : 'base64url';
  return `${params.prefix ?? ''}${randomText(bytes, encoding)}`;
}
