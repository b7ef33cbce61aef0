import { describe, expect, it } from 'vitest';
import { parseManifest, type SecretMeta } from '@latchkey/core';
import { neededSecrets, secretState, usedBy } from './project-secrets.js';
import { isReady, rowFor } from './onboard.js';

const meta = (name: string, scope: string, expiresAt: number): SecretMeta =>
  ({ name, scope, owner: '', description: '', createdAt: 0, expiresAt, source: 'manual' }) as SecretMeta;

describe('neededSecrets', () => {
  it('lists each stored secret once with the metadata of its references, JWT signers included', () => {
    const m = parseManifest(
      [
        'A=agent://stripe?owner=payments&desc=Stripe%20key&docs=https://wiki/s&max_ttl=8h',
        'B=agent://stripe?max_ttl=2h',
        'C=agent://temp/jwt?signer=dev-signer&ttl=10m',
        'D=agent://temp/random?bytes=8',
        'E=plain',
      ].join('\n'),
      'agent.env',
    );
    const needed = neededSecrets(m);
    expect(needed).toEqual([
      { name: 'stripe', variables: ['A', 'B'], signerFor: [], owner: 'payments', description: 'Stripe key', docs: 'https://wiki/s', maxTtlSeconds: 7200 },
      { name: 'dev-signer', variables: [], signerFor: ['C'], owner: '', description: 'signing key of the temporary JWTs of C', docs: '', maxTtlSeconds: undefined },
    ]);
    expect(usedBy(needed[1]!)).toBe('C (signs)');
  });
});

describe('state', () => {
  const now = 1_000_000_000_000;
  const inventory = [meta('a', 'global', now + 1), meta('a', '/p', now + 48 * 3600_000), meta('b', '/other', now + 1), meta('c', 'global', now + 3600_000)];
  it('is present, expiring within a day, expired or missing', () => {
    expect(secretState(undefined, now)).toBe('missing');
    expect(secretState(meta('x', 'global', now), now)).toBe('expired');
    expect(secretState(meta('x', 'global', now + 3600_000), now)).toBe('expiring');
    expect(secretState(meta('x', 'global', now + 25 * 3600_000), now)).toBe('present');
  });
  it('is ready only with nothing missing or expired and the manifest approved', () => {
    const s = { name: 'x', variables: ['X'], signerFor: [], owner: 'o', description: 'd', docs: '', maxTtlSeconds: undefined };
    const expiring = rowFor(s, meta('x', 'global', now + 3600_000), now);
    expect(expiring).toMatchObject({ status: 'expiring', owner: 'o', description: 'd', scope: 'global' });
    expect(isReady([expiring], true)).toBe(true);
    expect(isReady([expiring], false)).toBe(false);
    expect(isReady([rowFor(s, undefined, now)], true)).toBe(false);
  });
});
