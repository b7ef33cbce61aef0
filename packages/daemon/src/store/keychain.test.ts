// The keychain call's own timer, with fake timers: a keychain that never answers (a D-Bus that accepts
// and stays silent, as a frozen gnome-keyring does) fails a call at 2 s, not before, so that a command
// that needs the keychain fails within 3 s. test/security-secrets.test.ts (SECURITY 19) checks the same
// against a real, stopped gnome-keyring, with a bound that only a hang misses on a loaded machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYCHAIN_TIMEOUT_MS, KeychainStore } from './keychain.js';

describe('KeychainStore on a keychain that never answers', () => {
  let dir: string;
  let bus: Server;
  const held: Socket[] = [];
  let store: KeychainStore;
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-kc-'));
    bus = createServer((c) => {
      c.on('error', () => {});
      held.push(c);
    });
    await new Promise<void>((r) => bus.listen(join(dir, 'bus'), r));
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(dir, 'bus')}`;
    store = new KeychainStore('latchkey-unit');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  afterEach(async () => {
    vi.useRealTimers();
    store.close();
    for (const c of held.splice(0)) c.destroy();
    await new Promise((r) => bus.close(r));
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves once the worker has connected to the silent bus (an event: vi.waitFor would move the fake clock). */
  const connected = () => new Promise<void>((resolve) => (held.length > 0 ? resolve() : bus.once('connection', () => resolve())));

  it('fails a write at 2 s, not before, and names it', async () => {
    expect(KEYCHAIN_TIMEOUT_MS).toBe(2000);
    let outcome: unknown;
    void store.set('global:x', '{"v":1}').then(
      () => (outcome = 'stored'),
      (err: Error) => (outcome = err),
    );
    // The worker really is waiting on the silent bus (it connected), not failing or done.
    await connected();
    await vi.advanceTimersByTimeAsync(KEYCHAIN_TIMEOUT_MS - 1);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toMatchObject({ kind: 'unavailable', message: 'the keychain did not answer a write within 2s' });
    expect(store.hasUnsettled()).toBe(true); // it may still land: read back once the keychain answers
  });

  it('fails a read the same way', async () => {
    let outcome: unknown;
    void store.get('global:x').then(
      () => (outcome = 'read'),
      (err: Error) => (outcome = err),
    );
    await connected();
    await vi.advanceTimersByTimeAsync(KEYCHAIN_TIMEOUT_MS - 1);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toMatchObject({ kind: 'unavailable', message: 'the keychain did not answer a read within 2s' });
  });
});
