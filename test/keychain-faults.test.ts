// A locked, crashing, frozen keychain against a real daemon and a real gnome-keyring: the daemon never
// dies of it, every command that needs the keychain says what is wrong within 3 s, and nothing is lost.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConnection } from '@latchkey/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, keychainLookup, makeWorld, readAudit, readDaemonLog, useKeyring, waitFor, withClient, withWorld, type Keyring, type World } from '@latchkey/test-utils';

const NAMES = ['alpha', 'beta', 'gamma'];

/** A fresh value per name (never printed: tests compare, and check that no output contains it). */
const valueOf = (() => {
  const values = new Map<string, string>();
  return (name: string) => {
    if (!values.has(name)) values.set(name, `VAL-${name}-${randomBytes(8).toString('hex')}`);
    return values.get(name) as string;
  };
})();

/** The keychain state the daemon reports in `agent daemon status --json`. */
async function keychainStatus(w: World): Promise<string> {
  const r = await w.agent(['daemon', 'status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { keychain: string }).keychain;
}

/** Waits (at the socket, without the CLI's start-up time) for the daemon to report a keychain state. */
async function untilKeychain(w: World, state: string): Promise<void> {
  const seen = await withClient(w, (conn) => waitFor(async () => (await conn.status()).keychain === state, 5000, 20));
  expect(seen, `the daemon never reported the keychain ${state}; its log:\n${readDaemonLog(w.stateDir).slice(-3000)}`).toBe(true);
}

/** The value of an item in the keychain as secret-tool sees it, from outside the daemon. */
async function valueInKeychain(kr: Keyring, w: World, name: string): Promise<string | undefined> {
  const raw = await keychainLookup(kr, w.service, `global:${name}`);
  return raw === undefined ? undefined : (JSON.parse(raw) as { value: string }).value;
}

/** The pid of the daemon's keychain worker (a child of the daemon running keychain-worker.js). */
function workerPid(daemonPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === daemonPid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('keychain-worker.js')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/**
 * 20 sets at once, each on a connection of its own as 20 processes would make them; resolves with how
 * long each took to fail from its own start, and what it failed with.
 */
async function twentySets(w: World, tag: string): Promise<Array<{ ms: number; kind: string; message: string }>> {
  return Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const conn = new AgentConnection(w.socket);
      const t0 = Date.now();
      try {
        await conn.putSecret({ name: `${tag}-${i}`, value: valueOf(`${tag}-${i}`), ttlSeconds: 3600 });
        return { ms: Date.now() - t0, kind: 'stored', message: '' };
      } catch (err) {
        const e = err as { kind?: string; message: string };
        return { ms: Date.now() - t0, kind: e.kind ?? 'other', message: e.message };
      } finally {
        conn.close();
      }
    }),
  );
}

/** Stores every name of NAMES through the client library (the CLI's start-up is not what these tests time). */
async function setNames(w: World): Promise<void> {
  await withClient(w, async (conn) => {
    for (const name of NAMES) await conn.putSecret({ name, value: valueOf(name), ttlSeconds: 3600 });
  });
}

/** Every name of NAMES is served with its value, and secret-tool finds that value in the keychain. */
async function expectAllServed(kr: Keyring, w: World): Promise<void> {
  await withClient(w, async (conn) => {
    for (const name of NAMES) {
      expect((await conn.getSecret(name)).value === valueOf(name)).toBe(true);
      expect((await valueInKeychain(kr, w, name)) === valueOf(name)).toBe(true);
    }
  });
}

/** Every name of NAMES is served from memory (the keychain away): a client gets each value. */
async function expectServedFromMemory(w: World): Promise<void> {
  await withClient(w, async (conn) => {
    for (const name of NAMES) expect((await conn.getSecret(name)).value === valueOf(name)).toBe(true);
  });
}

/**
 * The keyring unlocked again: the daemon says so, `agent get` serves every name of NAMES with its value,
 * secret-tool finds that value in the keychain, and `delta` (refused while locked) was never stored.
 */
async function unlockAndExpectServed(kr: Keyring, w: World): Promise<void> {
  await kr.unlock();
  await untilKeychain(w, 'ok');
  for (const name of NAMES) {
    const r = await w.agent(['get', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout === valueOf(name)).toBe(true);
    expect((await valueInKeychain(kr, w, name)) === valueOf(name)).toBe(true);
  }
  expect(await valueInKeychain(kr, w, 'delta')).toBeUndefined();
}

function expectAllFailedWithin3s(results: Array<{ ms: number; kind: string; message: string }>, message: RegExp): void {
  for (const r of results) {
    expect(r.kind, r.message).toBe('unavailable');
    expect(r.message).toMatch(message);
  }
  const slowest = Math.max(...results.map((r) => r.ms));
  console.log(`slowest of 20 concurrent sets to fail: ${slowest} ms`);
  expect(slowest).toBeLessThanOrEqual(3000);
}

function expectLocked(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code, r.stderr).toBe(69);
  expect(r.stderr).toMatch(/^agent: error: the keychain is locked$/m);
  expect(r.stderr).toMatch(/^agent: hint: unlock the login keyring/m);
  for (const name of NAMES) expect(r.stdout + r.stderr).not.toContain(valueOf(name));
}

describe('the keychain never crashes the daemon', () => {
  const ring = useKeyring();
  let kr: Keyring;
  beforeAll(() => {
    kr = ring.keyring;
  });
  afterEach(async () => {
    // A failed test must not leave the shared keyring frozen or locked for the next one.
    kr.thaw();
    if (await kr.isLocked()) await kr.unlock();
  });

  it('a keyring locked under a running daemon: reads and writes fail with 69 within 3 s, status says locked, and after unlocking every secret is served', async () => {
    await withWorld({ keyring: kr }, async (w, daemon) => {
      for (const name of NAMES) {
        const set = await w.agent(['set', name, '--ttl', '1h'], { input: valueOf(name) });
        expect(set.code, set.stderr).toBe(0);
      }
      expect(await keychainStatus(w)).toBe('ok');

      await kr.lock();
      const lockedAt = Date.now();
      // The daemon notices on its own (its periodic check); wait for that event, then time the commands.
      await untilKeychain(w, 'locked');
      expect(Date.now() - lockedAt).toBeLessThanOrEqual(3000);
      await withClient(w, (conn) => expect(conn.getSecret('alpha')).rejects.toMatchObject({ kind: 'unavailable', message: 'the keychain is locked' }));
      let t0 = Date.now();
      expectLocked(await w.agent(['get', 'alpha']));
      expect(Date.now() - t0).toBeLessThanOrEqual(3000);
      t0 = Date.now();
      const set = await w.agent(['set', 'delta', '--ttl', '1h'], { input: 'never-stored' });
      expectLocked(set);
      expect(Date.now() - t0).toBeLessThanOrEqual(3000);

      const status = await w.agent(['daemon', 'status']);
      expect(status.stdout).toMatch(/^keychain +locked$/m);
      const doctor = await w.agent(['doctor']);
      expect(doctor.stdout + doctor.stderr).toContain('the keychain is locked');
      expect(alive(daemon.pid)).toBe(true);

      await unlockAndExpectServed(kr, w);
      expect(readDaemonLog(w.stateDir)).toContain('the keychain is now locked (was ok)');
    });
  });

  it('a daemon started on a locked keyring runs and says locked (status, doctor), refuses with 69 and the unlock hint within 3 s, then serves every secret once unlocked', async () => {
    await withWorld({ keyring: kr }, async (w, first) => {
      for (const name of NAMES) {
        const set = await w.agent(['set', name, '--ttl', '1h'], { input: valueOf(name) });
        expect(set.code, set.stderr).toBe(0);
      }
      await first.kill();
      const recordsBefore = readAudit(w.stateDir).length;
      await kr.lock();
      const daemon = await w.startDaemon();
      expect(daemon.output()).not.toContain('CRITICAL');
      expect(await keychainStatus(w)).toBe('locked');
      const status = await w.agent(['daemon', 'status']);
      expect(status.stdout).toMatch(/^keychain +locked$/m);
      const doctor = await w.agent(['doctor']);
      expect(doctor.stdout + doctor.stderr).toContain('the keychain is locked');
      let t0 = Date.now();
      expectLocked(await w.agent(['get', 'beta']));
      expect(Date.now() - t0).toBeLessThanOrEqual(3000);
      t0 = Date.now();
      expectLocked(await w.agent(['set', 'delta', '--ttl', '1h'], { input: 'never-stored' }));
      expect(Date.now() - t0).toBeLessThanOrEqual(3000);
      expectLocked(await w.agent(['audit', 'verify']));
      // The seal key is in the locked keychain: nothing was written to the trail meanwhile.
      expect(readAudit(w.stateDir)).toHaveLength(recordsBefore);
      expect(alive(daemon.pid)).toBe(true);

      await unlockAndExpectServed(kr, w);
      const verify = await w.agent(['audit', 'verify']);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(readDaemonLog(w.stateDir)).toContain('the keychain was unlocked: 3 secret(s) loaded, serving');
    });
  }, 60_000);

  it('a command that auto-starts the daemon on a locked keyring fails with 69 and the unlock hint as fast as any auto-start, and the daemon it started serves once unlocked', async () => {
    await withWorld({ keyring: kr }, async (w, first) => {
      const set = await w.agent(['set', 'alpha', '--ttl', '1h'], { input: valueOf('alpha') });
      expect(set.code, set.stderr).toBe(0);
      await first.kill();
      // What an auto-start costs on this machine now: the same command, unlocked, in a world of its own.
      const base = makeWorld(kr);
      let baselineMs = 0;
      try {
        const t0 = Date.now();
        const r = await base.agent(['get', 'alpha']);
        baselineMs = Date.now() - t0;
        expect(r.code, r.stderr).toBe(1); // no secret of that name there
      } finally {
        await base.cleanup();
      }
      await kr.lock();
      const t0 = Date.now();
      expectLocked(await w.agent(['get', 'alpha']));
      const autoStartMs = Date.now() - t0;
      console.log(`agent get with no daemon (auto-start included): ${autoStartMs} ms with the keyring locked, ${baselineMs} ms unlocked`);
      // Within 3 s, or, on a machine where any auto-start takes longer, within 1 s of one.
      expect(autoStartMs).toBeLessThanOrEqual(Math.max(3000, baselineMs + 1000));
      await kr.unlock();
      await untilKeychain(w, 'ok');
      const r = await w.agent(['get', 'alpha']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout === valueOf('alpha')).toBe(true);
    });
  });

  it('20 sets at once on a frozen keyring each fail within 3 s of their own start, as do 20 on a locked one; the daemon stays up', async () => {
    await withWorld({ keyring: kr }, async (w, daemon) => {
      kr.freeze();
      expectAllFailedWithin3s(await twentySets(w, 'frozen'), /^the keychain did not answer a write within 2s$/);
      kr.thaw();
      await untilKeychain(w, 'ok');
      await kr.lock();
      await untilKeychain(w, 'locked');
      expectAllFailedWithin3s(await twentySets(w, 'locked'), /^the keychain is locked$/);
      expect(alive(daemon.pid)).toBe(true);
    });
  }, 60_000);

  it('the keyring stopped: 20 sets at once each fail within 3 s, reads are served from memory, nothing is lost once it runs again', async () => {
    await withWorld({ keyring: kr }, async (w, daemon) => {
      try {
        await setNames(w);
        await kr.stopSecretService();
        expectAllFailedWithin3s(await twentySets(w, 'stopped'), /^the keychain could not be reached for a write/);
        await expectServedFromMemory(w);
        expect(alive(daemon.pid)).toBe(true);
        // gnome-keyring started again (restartBus starts what is not running) unlocks the keyring on disk.
        await kr.restartBus();
        await untilKeychain(w, 'ok');
        await expectAllServed(kr, w);
      } finally {
        // Brings gnome-keyring back for the tests after this one, if the test failed before it did.
        await kr.restartBus();
      }
    });
  }, 60_000);

  it('the D-Bus session gone: 20 sets at once each fail within 3 s, status says unavailable, reads come from memory; a new bus brings every secret back', async () => {
    await withWorld({ keyring: kr }, async (w, daemon) => {
      let busDown = false;
      try {
        await setNames(w);
        await kr.stopBus();
        busDown = true;
        await untilKeychain(w, 'unavailable');
        expectAllFailedWithin3s(await twentySets(w, 'nobus'), /^the keychain (could not be reached for a write|did not answer a write within 2s)/);
        await expectServedFromMemory(w);
        const status = await w.agent(['daemon', 'status']);
        expect(status.stdout).toMatch(/^keychain +unavailable$/m);
        expect(alive(daemon.pid)).toBe(true);

        await kr.restartBus();
        busDown = false;
        await untilKeychain(w, 'ok');
        await expectAllServed(kr, w);
        const after = await w.agent(['set', 'after-bus', '--ttl', '1h'], { input: valueOf('after-bus') });
        expect(after.code, after.stderr).toBe(0);
        expect((await valueInKeychain(kr, w, 'after-bus')) === valueOf('after-bus')).toBe(true);
        for (let i = 0; i < 20; i++) expect(await valueInKeychain(kr, w, `nobus-${i}`)).toBeUndefined();
      } finally {
        if (busDown) await kr.restartBus();
      }
    });
  }, 60_000);

  it('kill -9 of the daemon takes its keychain worker with it, even blocked on a frozen keyring: a write queued there never lands behind the next daemon', async () => {
    await withWorld({ keyring: kr }, (w, daemon) =>
      withClient(w, async (conn) => {
        await conn.putSecret({ name: 'orphan', value: valueOf('orphan'), ttlSeconds: 3600 });
        const pid = workerPid(daemon.pid) as number;
        expect(pid).toBeDefined();
        kr.freeze();
        // The worker now waits on gnome-keyring with this write queued behind its check.
        await expect(conn.putSecret({ name: 'orphan', value: `${valueOf('orphan')}-queued`, ttlSeconds: 3600 })).rejects.toMatchObject({ kind: 'unavailable' });
        process.kill(daemon.pid, 'SIGKILL');
        await daemon.exited;
        expect(await waitFor(() => !alive(pid), 5000, 20), 'the keychain worker outlived its daemon').toBe(true);
        kr.thaw();
        const next = await w.startDaemon();
        try {
          expect((await withClient(w, (again) => again.getSecret('orphan'))).value === valueOf('orphan')).toBe(true);
          expect((await valueInKeychain(kr, w, 'orphan')) === valueOf('orphan')).toBe(true);
        } finally {
          await next.kill();
        }
      }),
    );
  }, 60_000);

  it('the keychain worker dying of SIGSEGV is a failed call, not a dead daemon; the next call starts a new, hardened worker', async () => {
    await withWorld({ keyring: kr }, async (w, daemon) => {
      const pid = workerPid(daemon.pid);
      expect(pid).toBeDefined();
      expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/^Max core file size +0 +0 /m);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => kv.split('=')[0]);
      const allowed = ['HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS', 'PATH'];
      // Node adds NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE for the IPC channel.
      expect(environ.filter((k) => !allowed.includes(k as string) && !(k as string).startsWith('NODE_CHANNEL_'))).toEqual([]);
      process.kill(pid as number, 'SIGSEGV');
      await waitFor(() => !alive(pid as number), 5000, 20);
      const set = await w.agent(['set', 'after-crash', '--ttl', '1h'], { input: valueOf('after-crash') });
      expect(set.code, set.stderr).toBe(0);
      expect((await valueInKeychain(kr, w, 'after-crash')) === valueOf('after-crash')).toBe(true);
      expect(alive(daemon.pid)).toBe(true);
      expect(workerPid(daemon.pid)).not.toBe(pid);
      expect(readDaemonLog(w.stateDir)).toMatch(/keychain worker killed by SIGSEGV/);
      expect((await withClient(w, (conn) => conn.status())).keychain).toBe('ok');
    });
  });

  it('SECURITY 46: a keychain write that timed out while gnome-keyring was frozen lands later; memory then agrees with the keychain, audited', async () => {
    await withWorld({ keyring: kr }, (w, daemon) =>
      withClient(w, async (conn) => {
        await conn.putSecret({ name: 'late', value: valueOf('late'), ttlSeconds: 3600 });
        kr.freeze();
        const second = `${valueOf('late')}-second`;
        await expect(conn.putSecret({ name: 'late', value: second, ttlSeconds: 3600 })).rejects.toMatchObject({
          kind: 'unavailable',
          message: 'the keychain did not answer a write within 2s',
        });
        // Still the old value in memory while the keychain hangs.
        expect((await conn.getSecret('late')).value === valueOf('late')).toBe(true);
        kr.thaw();
        const reconciled = await waitFor(() => readAudit(w.stateDir).some((r) => r.event === 'reconcile' && r.secret === 'late'), 15_000, 50);
        expect(reconciled, readDaemonLog(w.stateDir)).toBe(true);
        expect((await valueInKeychain(kr, w, 'late')) === second).toBe(true);
        expect((await conn.getSecret('late')).value === second).toBe(true);
        expect(readDaemonLog(w.stateDir)).toContain('a keychain write that timed out landed later');
        expect(alive(daemon.pid)).toBe(true);
      }),
    );
  });
  it('SECURITY 46: LATCHKEY_STORE=auto started while gnome-keyring was frozen switches to the keychain when it thaws; the writes made meanwhile land in it', { timeout: 120_000 }, async () => {
    await withWorld({ keyring: kr, env: { LATCHKEY_STORE: 'auto' } }, async (w, first) => {
      const put = async (name: string, value: string) => {
        const set = await w.agent(['set', name, '--ttl', '1h'], { input: value });
        expect(set.code, set.stderr).toBe(0);
      };
      try {
        // A first daemon, on the keychain: two secrets and a seal key there.
        await put('kept', valueOf('kept'));
        await put('both', `${valueOf('both')}-old`);
        await first.kill();

        kr.freeze();
        let daemon = await w.startDaemon();
        await withClient(w, async (conn) => {
          const before = await conn.status();
          expect(before.store).toBe('memory');
          expect(before.storeNote).toContain('keychain unavailable');
          // While it is away: a newer value of one it holds, a new one, and one set and removed again
          // (three accounts to replay: the last word on each).
          await put('both', valueOf('both'));
          await put('fresh', valueOf('fresh'));
          await put('brief', valueOf('brief'));
          expect((await w.agent(['rm', 'brief'])).code).toBe(0);
          await expect(conn.getSecret('kept')).rejects.toMatchObject({ kind: 'notFound' });

          kr.thaw();
          const switched = await waitFor(async () => (await conn.status()).store === 'keychain', 15_000, 50);
          expect(switched, readDaemonLog(w.stateDir)).toBe(true);
          // What the keychain held is served again; what was set meanwhile is in the keychain and wins.
          expect((await conn.getSecret('kept')).value === valueOf('kept')).toBe(true);
          expect((await conn.getSecret('both')).value === valueOf('both')).toBe(true);
          expect((await valueInKeychain(kr, w, 'both')) === valueOf('both')).toBe(true);
          expect((await valueInKeychain(kr, w, 'fresh')) === valueOf('fresh')).toBe(true);
          expect(await valueInKeychain(kr, w, 'brief')).toBeUndefined();
          expect((await conn.listSecrets()).map((m) => m.name).sort()).toEqual(['both', 'fresh', 'kept']);
          const after = await conn.status();
          expect(after.storeNote).toContain('then switched to the keychain');
          expect(after.keychain).toBe('ok');
          expect(readDaemonLog(w.stateDir)).toContain('switched from the memory store to the keychain; 3 write(s) and delete(s) made meanwhile replayed into it, 3 secret(s) held now');
          expect(readAudit(w.stateDir).filter((r) => r.event === 'store')).toMatchObject([{ outcome: 'switched', replayed: 3, secrets: 3 }]);
          expect(readAudit(w.stateDir).some((r) => r.outcome === 'tampered')).toBe(false);
          // A write after the switch goes to the keychain.
          await put('later', valueOf('later'));
          expect((await valueInKeychain(kr, w, 'later')) === valueOf('later')).toBe(true);
        });
        await daemon.kill();

        // The next daemon starts on the keychain: everything is there, and the trail checks out with the
        // seal key and checkpoint the switching daemon left in the keychain.
        daemon = await w.startDaemon();
        for (const name of ['kept', 'both', 'fresh', 'later']) {
          const r = await w.agent(['get', name]);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout === valueOf(name)).toBe(true);
        }
        const verify = await w.agent(['audit', 'verify', '--json']);
        expect(verify.code, verify.stdout + verify.stderr).toBe(0);
        expect(readAudit(w.stateDir).some((r) => r.outcome === 'tampered')).toBe(false);
        await daemon.kill();
      } finally {
        kr.thaw();
      }
    });
  });
  it('SECURITY 46: records cut from the trail while the keychain was frozen at start are reported once the daemon switches to the keychain', { timeout: 120_000 }, async () => {
    await withWorld({ keyring: kr, env: { LATCHKEY_STORE: 'auto' } }, async (w, first) => {
      try {
        for (const name of NAMES) expect((await w.agent(['set', name, '--ttl', '1h'], { input: valueOf(name) })).code).toBe(0);
        await first.kill();
        // The attacker freezes the keyring, so the next daemon starts on memory without the seal key and
        // checkpoint to check the trail with, and cuts the last two records (two of the sets) from the trail.
        kr.freeze();
        const trail = join(w.stateDir, 'audit.jsonl');
        const lines = readFileSync(trail, 'utf8').split('\n').filter((l) => l !== '');
        expect(lines.map((l) => (JSON.parse(l) as { event: string }).event).slice(-3)).toEqual(['set', 'set', 'set']);
        writeFileSync(trail, `${lines.slice(0, -2).join('\n')}\n`);
        const daemon = await w.startDaemon();
        expect(readAudit(w.stateDir).filter((r) => r.outcome === 'tampered'), readDaemonLog(w.stateDir)).toEqual([]);
        kr.thaw();
        const reported = await waitFor(() => readAudit(w.stateDir).some((r) => r.event === 'audit' && r.outcome === 'tampered'), 15_000, 50);
        expect(reported, readDaemonLog(w.stateDir)).toBe(true);
        expect(readDaemonLog(w.stateDir)).toMatch(/error the audit trail was tampered with before this daemon could check it: .*records were removed|the trail was rewritten/);
        await daemon.kill();
      } finally {
        kr.thaw();
      }
    });
  });
});
