import { describe, expect, it } from 'vitest';
import { classifyToken, forbiddenBy } from './token-kinds.js';
import { parseManifest } from './manifest.js';

const A36 = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

describe('classifyToken', () => {
  it.each([
    [`ghp_${A36}`, 'github/classic-pat', true, true],
    [`github_pat_11ABCDEFG0123456789_${'x'.repeat(59)}`, 'github/fine-grained-pat', true, undefined],
    ['sk_live_51HxQ9vLm3nB7cZ1wY4tE6uI0', 'stripe/secret-live', true, true],
    ['sk_test_51HxQ9vLm3nB7cZ1wY4tE6uI0', 'stripe/secret-test', false, true],
    ['rk_live_51HxQ9vLm3nB7cZ1wY4tE6uI0', 'stripe/restricted-live', true, undefined],
    ['pk_test_51HxQ9vLm3nB7cZ1wY4tE6uI0', 'stripe/publishable-test', false, undefined],
    ['AKIAIOSFODNN7EXAMPLE', 'aws/access-key', true, undefined],
    ['ASIAIOSFODNN7EXAMPLE', 'aws/temporary-access-key', true, undefined],
    ['xoxb-20417765234-8g3KcRd2Lw9Zp4Vt7QxYs1Nm', 'slack/bot', true, undefined],
    ['xoxp-20417765234-8g3KcRd2Lw9Zp4Vt7QxYs1Nm', 'slack/user', true, true],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', 'private-key', undefined, undefined],
    ['postgres://app:s3cret@db.example:5432/app', 'connection-string', undefined, undefined],
  ])('%s is %s', (value, id, live, fullAccess) => {
    expect(classifyToken(value)).toMatchObject({ id });
    expect(classifyToken(value)?.live).toBe(live);
    expect(classifyToken(value)?.fullAccess).toBe(fullAccess);
  });

  it('knows nothing of values no rule describes', () => {
    for (const v of ['hunter2-but-longer', 'postgres://db.example/app', `ghp_${A36}x`, 'sk_live_short']) expect(classifyToken(v)).toBeUndefined();
  });

  it('judges forbid=live and forbid=full-access on the stored kind', () => {
    expect(forbiddenBy('stripe/secret-live', ['live'])).toBe('live');
    expect(forbiddenBy('stripe/secret-test', ['live'])).toBeUndefined();
    expect(forbiddenBy('stripe/secret-test', ['live', 'full-access'])).toBe('full-access');
    expect(forbiddenBy('stripe/restricted-live', ['full-access'])).toBeUndefined();
    expect(forbiddenBy(undefined, ['live', 'full-access'])).toBeUndefined();
  });
});

describe('forbid= and on_leak= in a manifest', () => {
  it('are parsed on stored-secret references, and a bad forbid is refused', () => {
    const m = parseManifest('STRIPE=agent://stripe?forbid=live,full-access&on_leak=/usr/local/bin/revoke-stripe\n', '/p/agent.env');
    expect(m.entries[0]?.ref).toMatchObject({ kind: 'secret', name: 'stripe', forbid: ['live', 'full-access'], onLeak: '/usr/local/bin/revoke-stripe' });
    expect(() => parseManifest('X=agent://x?forbid=prod\n', '/p/agent.env')).toThrow(/forbid="prod" is not a kind that can be forbidden/);
  });
});
