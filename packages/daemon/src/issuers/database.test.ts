// DatabaseUsers' rules that depend on time, with the injected clock and a backend that keeps its users in
// a set (the servers themselves are tested end to end in test/db-users.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { Ledger } from '../ledger.js';
import { DatabaseUsers, valueHash, type DbAdmin, type DbBackend } from './database.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function world() {
  const dir = testdir();
  const ledger = new Ledger(dir);
  const users = new Set<string>();
  let now = 1_000_000;
  const admin: DbAdmin = {
    check: async () => undefined,
    create: async (spec) => users.add(spec.user),
    exists: async (user) => users.has(user),
    disable: async (user) => users.has(user),
    killSessions: async () => 0,
    drop: async (spec) => void users.delete(spec.user),
    users: async (prefix) => [...users].filter((u) => u.startsWith(prefix)),
  };
  const backend: DbBackend = {
    kind: 'postgres',
    connect: async () => admin,
    valueOf: (_url, spec) => `postgresql://${spec.user}:${spec.password}@localhost/app`,
    verifier: async (password) => `v-${password.length}`,
    closeAll: async () => undefined,
  };
  const db = new DatabaseUsers({
    ledger,
    audit: { write: async () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    clock: () => now,
    readAdmin: async () => ({ value: 'postgresql://admin:pw@localhost/app', allow: new Set() }),
    isAlive: () => true,
    backends: { postgres: async () => backend },
    pollMs: 60_000,
  });
  cleanups.push(async () => {
    await db.close();
    await ledger.close();
  });
  return { ledger, db, users, advance: (ms: number) => (now += ms), now: () => now };
}

describe('IntrospectTempKey for adopted database users', () => {
  it('answers for a user adopted at start by its value, and not once its TTL passed (its teardown then starts)', async () => {
    const first = world();
    await first.ledger.open();
    const value = await first.db.create(
      { kind: 'postgres', leaseId: 'lease_a', issuedAt: first.now(), expiresAt: first.now() + 60_000, params: { admin: 'pg-admin' }, cwd: '/p', boundPid: 0, boundStart: undefined },
      undefined,
    );
    // The issuing daemon's lease manager answers for its own leases; DatabaseUsers only for adopted ones.
    expect(first.db.introspect(value)).toBeUndefined();

    // A new daemon on the same ledger (the first one died): it adopts the user.
    const entries = await first.ledger.open();
    expect(entries.map((e) => e.valueHash)).toEqual([valueHash(value)]);
    const second = world();
    second.users.add('lk_a');
    await second.db.recover(entries);
    expect(second.db.introspect(value)).toEqual({ active: true, leaseId: 'lease_a', expiresAt: first.now() + 60_000, kind: 'postgres' });
    expect(second.db.introspect(`${value}x`)).toBeUndefined();
    expect(second.db.introspect('')).toBeUndefined();

    second.advance(60_000);
    expect(second.db.introspect(value)).toBeUndefined();
    await expect.poll(() => second.users.has('lk_a')).toBe(false);
    expect(second.db.size).toBe(0);
  });
});
