import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest.js';
import { EXPIRING_WITHIN_MS, neededSecrets, secretState, usedBy } from './needs.js';

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
    expect(usedBy(needed[0]!)).toBe('A, B');
    expect(usedBy(needed[1]!)).toBe('C (signs)');
  });
});

describe('secretState', () => {
  const now = 1_000_000_000_000;
  it.each<[number | undefined, string]>([
    [undefined, 'missing'],
    [now - 1, 'expired'],
    [now, 'expired'],
    [now + 1, 'expiring'],
    [now + EXPIRING_WITHIN_MS - 1, 'expiring'],
    [now + EXPIRING_WITHIN_MS, 'present'],
    [now + 25 * 3600_000, 'present'],
  ])('expiring at %j is %s', (expiresAt, state) => {
    expect(secretState(expiresAt === undefined ? undefined : { expiresAt }, now)).toBe(state);
  });
});
