import { describe, expect, it } from 'vitest';
import { useLab } from '@latchkey/test-utils';

describe('a secret through the real keychain', () => {
  const lab = useLab();

  it('stores with set, is visible to secret-tool, reads back byte-exact with get', async () => {
    const value = 'sk_test_ünï\n';
    const set = await lab.world.agent(['set', 'stripe-test', '--ttl', '8h', '--owner', 'payments'], { input: value });
    expect(set.stderr).toContain('stored stripe-test');
    expect(set.code).toBe(0);
    const item = await lab.keyring!.secretTool(['lookup', 'service', lab.world.service, 'account', 'global:stripe-test']);
    expect(item.code).toBe(0);
    const doc = JSON.parse(item.stdout);
    expect(doc.v).toBe(1);
    expect(doc.value).toBe(value);
    expect(doc.meta.owner).toBe('payments');
    expect(doc.meta.expiresAt - doc.meta.createdAt).toBe(8 * 3600 * 1000);
    const get = await lab.world.agent(['get', 'stripe-test']);
    expect(get.code).toBe(0);
    expect(get.stdoutBytes.equals(Buffer.from(value))).toBe(true);
  });
});
