// The `jwt` temporary key kind: a JWT signed with a stored secret (the signer), through `jose`.
//
// Key choice: a signer whose value is a PEM private key signs with EdDSA (Ed25519) or ES256 (P-256);
// any other value is an HMAC key for HS256 and must be at least 32 bytes (RFC 7518 section 3.2).
// Errors name the signer, never its value.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { inputError, quote, secretNameProblem } from '@latchkey/core';
import type { JWTPayload } from 'jose';

/** The algorithms a temporary JWT may be signed with. */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/** The plain parameters of a JWT; `claim.<name>` parameters come on top. */
export const JWT_PARAMS: ReadonlySet<string> = new Set(['signer', 'sub', 'aud', 'iss']);

/** Claims the agent always sets (or sets from their own parameter): `claim.<name>` may not set them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['exp', 'iat', 'jti', 'nbf', 'sub', 'aud', 'iss']);

const CLAIM_PARAM = /^claim\.([A-Za-z_][A-Za-z0-9_.-]*)$/;

/** The shortest HS256 key accepted, in bytes (the size of the hash output). */
export const MIN_HMAC_KEY_BYTES = 32;

/**
 * Checks a JWT's parameters without reading the signer: `signer` (a secret name, required),
 * `sub`, `aud`, `iss` and `claim.<name>`. Unknown parameters and `claim.exp`, `claim.iat`,
 * `claim.jti`, `claim.nbf` (and `claim.sub|aud|iss`, which have their own parameters) are input errors.
 */
export function checkJwtParams(params: Record<string, string>): void {
  for (const key of Object.keys(params)) {
    if (JWT_PARAMS.has(key)) continue;
    const m = CLAIM_PARAM.exec(key);
    if (!m) throw inputError(`unknown parameter ${quote(key)} for a jwt`, 'use signer, sub, aud, iss or claim.<name>');
    const claim = m[1] as string;
    if (RESERVED_CLAIMS.has(claim)) {
      const own = ['sub', 'aud', 'iss'].includes(claim);
      throw inputError(
        `claim ${quote(claim)} cannot be set with claim.${claim}`,
        own ? `use the ${claim} parameter` : 'iat, exp (iat + ttl), jti (the lease id) and nbf are set by the agent; change the ttl instead',
      );
    }
    if (claim === '__proto__') throw inputError(`claim ${quote(claim)} is refused`);
  }
  const signer = params.signer;
  if (signer === undefined || signer === '') throw inputError('a jwt needs a signer', 'pass signer=NAME, the name of a stored secret');
  const problem = secretNameProblem(signer);
  if (problem) throw inputError(`signer: ${problem}`);
}

/** The key and algorithm a signer's value stands for; input errors name the signer, never the value. */
export function signingKeyOf(signerValue: string, signerName = 'the signer'): { alg: JwtAlgorithm; key: KeyObject | Uint8Array } {
  const who = signerName === 'the signer' ? signerName : `signer ${quote(signerName)}`;
  if (/^\s*-----BEGIN [A-Z0-9 ]+-----/.test(signerValue)) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: signerValue, format: 'pem' });
    } catch {
      throw inputError(
        `${who} holds a PEM block that is not an unencrypted private key`,
        'store an unencrypted PKCS#8 Ed25519 or P-256 private key, or a random HMAC key of at least 32 bytes',
      );
    }
    if (key.asymmetricKeyType === 'ed25519') return { alg: 'EdDSA', key };
    if (key.asymmetricKeyType === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return { alg: 'ES256', key };
      throw inputError(`${who} holds an EC key on curve ${curve ?? 'unknown'}: only P-256 (ES256) is supported`, 'use an Ed25519 or P-256 private key');
    }
    throw inputError(
      `${who} holds a ${key.asymmetricKeyType ?? 'unknown'} private key: only Ed25519 (EdDSA) and P-256 (ES256) are supported`,
      'use an Ed25519 or P-256 private key',
    );
  }
  const bytes = new TextEncoder().encode(signerValue);
  if (bytes.length < MIN_HMAC_KEY_BYTES) {
    throw inputError(
      `${who} is too short for HS256: an HMAC key needs at least ${MIN_HMAC_KEY_BYTES} bytes`,
      'store a longer random key, e.g. agent temp random --bytes 32, or a PEM private key',
    );
  }
  const bits = estimatedBits(bytes);
  if (bits < MIN_HMAC_KEY_BITS) {
    throw inputError(
      `${who} looks too weak for HS256: about ${Math.floor(bits)} bits of entropy, under ${MIN_HMAC_KEY_BITS}`,
      'store a random key, e.g. agent set NAME --mint "openssl rand -hex 32", or a PEM private key',
    );
  }
  return { alg: 'HS256', key: bytes };
}

/** Least entropy an HMAC signer must show, by estimatedBits. */
export const MIN_HMAC_KEY_BITS = 128;

/**
 * A rough estimate of a key's entropy in bits: its length times the Shannon entropy of its bytes. It
 * catches keys like 32 times `a` (0 bits) or a short pattern repeated; it cannot tell a random key from a
 * long passphrase, so it only refuses the plainly weak.
 */
export function estimatedBits(bytes: Uint8Array): number {
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / bytes.length;
    h -= p * Math.log2(p);
  }
  return h * bytes.length;
}

/**
 * Mints a JWT for a lease: `iss`, `sub`, `aud` from the parameters (omitted when absent or empty),
 * `claim.<name>` parameters as string claims, and always `iat` (seconds, from `now`),
 * `exp` = iat + ttl and `jti` = the lease id. The header is `{alg, typ: "JWT"}`.
 */
export async function issueJwt(
  params: Record<string, string>,
  signerValue: string,
  ttlSeconds: number,
  leaseId: string,
  now: number,
): Promise<string> {
  checkJwtParams(params);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw inputError('a jwt needs a ttl of at least one second');
  if (leaseId === '') throw inputError('a jwt needs a lease id');
  const { alg, key } = signingKeyOf(signerValue, params.signer);

  const iat = Math.floor(now / 1000);
  const payload: JWTPayload = {};
  for (const claim of ['iss', 'sub', 'aud'] as const) {
    const v = params[claim];
    if (v !== undefined && v !== '') payload[claim] = v;
  }
  for (const [k, v] of Object.entries(params)) {
    const m = CLAIM_PARAM.exec(k);
    if (m) payload[m[1] as string] = v;
  }
  payload.iat = iat;
  payload.exp = iat + ttlSeconds;
  payload.jti = leaseId;
  // jose is loaded on the first JWT: a daemon that mints none never holds it (3 MB of RSS, 50 ms at load 7).
  const { SignJWT } = await import('jose');
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}
