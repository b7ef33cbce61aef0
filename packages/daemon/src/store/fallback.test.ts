import { describe, expect, it } from 'vitest';
import { FallbackStore } from './fallback.js';
import type { KeychainStore } from './keychain.js';
import { MemoryStore } from './memory.js';

/** A keychain stand-in over a memory store. */
function fakeKeychain(): { store: KeychainStore; items: MemoryStore } {
  const items = new MemoryStore();
  const store = {
    kind: 'keychain' as const,
    get: (a: string) => items.get(a),
    set: (a: string, p: string) => items.set(a, p),
    remove: (a: string) => items.remove(a),
    list: () => items.list(),
    ping: async () => undefined,
  };
  return { store: store as unknown as KeychainStore, items };
}

describe('FallbackStore', () => {
  it('replays the last word on each account into the keychain, then serves from it', async () => {
    const kc = fakeKeychain();
    await kc.items.set('global:old', 'from-before');
    await kc.items.set('global:both', 'stale');
    await kc.items.set('global:dropped', 'kept-in-keychain');
    const store = new FallbackStore(new MemoryStore(), kc.store);
    await store.set('global:both', 'newer');
    await store.set('global:tmp', 'x');
    await store.remove('global:tmp');
    await store.remove('global:dropped');
    await store.set('_latchkey/audit-seal', 'this-runs-key');
    expect(store.kind).toBe('memory');
    const result = await store.switchToKeychain(() => undefined);
    expect(result.replayed).toBe(3);
    expect(result.internal).toEqual([{ account: '_latchkey/audit-seal', password: 'this-runs-key' }]);
    expect(store.kind).toBe('keychain');
    expect(Object.fromEntries(result.items.map((i) => [i.account, i.password]))).toEqual({ 'global:old': 'from-before', 'global:both': 'newer' });
    // The daemon's own accounts are the caller's to place.
    expect(await kc.items.get('_latchkey/audit-seal')).toBeUndefined();
    await store.set('global:after', 'y');
    expect(await kc.items.get('global:after')).toBe('y');
  });

  it('stays on memory when the keychain fails part way, and replays only the rest next time', async () => {
    const kc = fakeKeychain();
    const store = new FallbackStore(new MemoryStore(), kc.store);
    await store.set('global:a', '1');
    await store.set('global:b', '2');
    let sets = 0;
    const realSet = kc.store.set.bind(kc.store);
    (kc.store as { set: KeychainStore['set'] }).set = async (a, p) => {
      if (++sets === 2) throw new Error('the keychain did not answer a write within 3s');
      return realSet(a, p);
    };
    await expect(store.switchToKeychain(() => undefined)).rejects.toThrow(/did not answer/);
    expect(store.kind).toBe('memory');
    // A call made meanwhile waited for the switch and still works, on memory.
    expect(await store.get('global:b')).toBe('2');
    const result = await store.switchToKeychain(() => undefined);
    expect(result.replayed).toBe(1);
    expect(await kc.items.get('global:a')).toBe('1');
    expect(await kc.items.get('global:b')).toBe('2');
  });

  it('holds calls made during the switch until the keychain is the store', async () => {
    const kc = fakeKeychain();
    const store = new FallbackStore(new MemoryStore(), kc.store);
    let during: Promise<void> | undefined;
    await store.switchToKeychain(() => {
      during = store.set('global:late', 'z');
    });
    await during;
    expect(await kc.items.get('global:late')).toBe('z');
  });
});
