// JWTs are checked here with node:crypto only (createHmac, verify), independently of jose.
import { describe, it, expect } from 'vitest';
import { createHmac, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import { estimatedBits, issueJwt } from './jwt.js';

const NOW = 1_900_000_000_123;
const IAT = Math.floor(NOW / 1000);
const HMAC_KEY = 'k'.repeat(20) + '-hmac-signer-value-0123456789';

interface Decoded {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

function decode(token: string): Decoded {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  const [h, p, s] = parts as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature: Buffer.from(s, 'base64url'),
  };
}

describe('issueJwt, HS256', () => {
  it('signs with the signer value as the HMAC key and sets the claims', async () => {
    const token = await issueJwt(
      { signer: 'dev-signer', sub: 'tests', aud: 'api', iss: 'latchkey', 'claim.role': 'admin', 'claim.tenant.id': 't1' },
      HMAC_KEY,
      600,
      'lease_abc',
      NOW,
    );
    const d = decode(token);
    expect(d.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const expected = createHmac('sha256', Buffer.from(HMAC_KEY, 'utf8')).update(d.signingInput).digest();
    expect(d.signature.equals(expected)).toBe(true);
    expect(d.payload).toEqual({
      iss: 'latchkey',
      sub: 'tests',
      aud: 'api',
      role: 'admin',
      'tenant.id': 't1',
      iat: IAT,
      exp: IAT + 600,
      jti: 'lease_abc',
    });
  });

  it('always sets iat, exp and jti, and omits absent sub, aud and iss', async () => {
    const d = decode(await issueJwt({ signer: 'dev-signer' }, HMAC_KEY, 60, 'lease_x', NOW));
    expect(d.payload).toEqual({ iat: IAT, exp: IAT + 60, jti: 'lease_x' });
  });

  it('does not verify under another key', async () => {
    const d = decode(await issueJwt({ signer: 'dev-signer' }, HMAC_KEY, 60, 'lease_x', NOW));
    const other = createHmac('sha256', `${HMAC_KEY}x`).update(d.signingInput).digest();
    expect(d.signature.equals(other)).toBe(false);
  });

  it('refuses an HMAC key shorter than 32 bytes without echoing it', async () => {
    const short = 'short-secret-value-XYZ';
    const err = await expectLatchkeyError(() => issueJwt({ signer: 'dev-signer' }, short, 60, 'lease_x', NOW), 'input');
    expect(err.message).toContain('dev-signer');
    expect(err.message).toContain('32 bytes');
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain(short);
  });

  it('accepts a key of exactly 32 bytes', async () => {
    const key = 'k3J9vQ2xR7mT5wL8pZ1cN4bF6hY0sD2g'; // 32 bytes, varied enough to pass the entropy check
    const d = decode(await issueJwt({ signer: 's' }, key, 60, 'lease_x', NOW));
    expect(d.signature.equals(createHmac('sha256', key).update(d.signingInput).digest())).toBe(true);
  });
});

describe('issueJwt, PEM signers', () => {
  it('signs with EdDSA for an Ed25519 private key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const d = decode(await issueJwt({ signer: 'ed-signer', sub: 'svc' }, privateKey, 300, 'lease_ed', NOW));
    expect(d.header).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(verify(null, d.signingInput, publicKey, d.signature)).toBe(true);
    expect(d.payload).toEqual({ sub: 'svc', iat: IAT, exp: IAT + 300, jti: 'lease_ed' });
  });

  it('signs with ES256 for a P-256 private key (JWS raw r||s signature)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const d = decode(await issueJwt({ signer: 'ec-signer', aud: 'api' }, privateKey, 120, 'lease_ec', NOW));
    expect(d.header).toEqual({ alg: 'ES256', typ: 'JWT' });
    expect(d.signature).toHaveLength(64);
    expect(verify('sha256', d.signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, d.signature)).toBe(true);
    expect(d.payload).toEqual({ aud: 'api', iat: IAT, exp: IAT + 120, jti: 'lease_ec' });
  });

  it('accepts a SEC1 "EC PRIVATE KEY" PEM too', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = (privateKey as KeyObject).export({ type: 'sec1', format: 'pem' }) as string;
    const d = decode(await issueJwt({ signer: 'ec-signer' }, pem, 60, 'lease_ec', NOW));
    expect(verify('sha256', d.signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, d.signature)).toBe(true);
  });

  it('refuses RSA keys and other EC curves', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const errRsa = await expectLatchkeyError(() => issueJwt({ signer: 'rsa-signer' }, rsa.privateKey, 60, 'lease_x', NOW), 'input');
    expect(errRsa.message).toContain('rsa');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const errEc = await expectLatchkeyError(() => issueJwt({ signer: 'ec-signer' }, p384.privateKey, 60, 'lease_x', NOW), 'input');
    expect(errEc.message).toContain('P-256');
  });

  it('refuses a public key or a broken PEM without echoing it', async () => {
    const { publicKey } = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const errPub = await expectLatchkeyError(() => issueJwt({ signer: 'pub' }, publicKey, 60, 'lease_x', NOW), 'input');
    const broken = '-----BEGIN PRIVATE KEY-----\nTk9UQUtFWUJVVEFDQU5BUlk=\n-----END PRIVATE KEY-----\n';
    const err = await expectLatchkeyError(() => issueJwt({ signer: 'broken' }, broken, 60, 'lease_x', NOW), 'input');
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain('Tk9UQUtFWUJVVEFDQU5BUlk');
  });
});

describe('issueJwt, parameters', () => {
  it.each(['exp', 'iat', 'jti', 'nbf', 'sub', 'aud', 'iss'])('refuses claim.%s', async (claim) => {
    const err = await expectLatchkeyError(() => issueJwt({ signer: 's', [`claim.${claim}`]: '1' }, HMAC_KEY, 60, 'lease_x', NOW), 'input');
    expect(err.message).toContain(claim);
  });

  it('refuses unknown parameters and bad claim names', async () => {
    await expectLatchkeyError(() => issueJwt({ signer: 's', alg: 'none' }, HMAC_KEY, 60, 'l', NOW), 'input');
    await expectLatchkeyError(() => issueJwt({ signer: 's', 'claim.': 'x' }, HMAC_KEY, 60, 'l', NOW), 'input');
    await expectLatchkeyError(() => issueJwt({ signer: 's', 'claim.__proto__': 'x' }, HMAC_KEY, 60, 'l', NOW), 'input');
  });

  it('needs a valid signer name', async () => {
    await expectLatchkeyError(() => issueJwt({}, HMAC_KEY, 60, 'l', NOW), 'input');
    await expectLatchkeyError(() => issueJwt({ signer: 'Bad Name' }, HMAC_KEY, 60, 'l', NOW), 'input');
  });

  it('needs a positive whole ttl', async () => {
    await expectLatchkeyError(() => issueJwt({ signer: 's' }, HMAC_KEY, 0, 'l', NOW), 'input');
    await expectLatchkeyError(() => issueJwt({ signer: 's' }, HMAC_KEY, 1.5, 'l', NOW), 'input');
  });
});

describe('estimatedBits (the HS256 signer check)', () => {
  it.each<[string, string, number, number]>([
    ['32 times a', 'a'.repeat(32), 0, 0],
    ['a 4-letter pattern repeated', 'abcd'.repeat(8), 64, 64],
    ['64 hex digits of a random key', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 200, 256],
  ])('%s', (_label, key, min, max) => {
    const bits = estimatedBits(new TextEncoder().encode(key));
    expect(bits).toBeGreaterThanOrEqual(min);
    expect(bits).toBeLessThanOrEqual(max);
  });
});
