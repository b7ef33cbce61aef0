// SECURITY.md tests 12, 14, 16, 19, 20, 21, 22, 24 and 25, end to end: a real daemon, a real Secret
// Service (a private gnome-keyring), the built CLI as a subprocess, the keychain checked with secret-tool.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AgentConnection } from '@latchkey/client';
import type { UnaryMethod } from '@latchkey/protocol';
import { describe, expect, it } from 'vitest';
import {
  alive,
  canConnect,
  CLI,
  filesContaining,
  keychainAccounts,
  keychainLookup,
  KEYTAR_SCHEMA_ATTRS,
  rawAgent,
  readAudit,
  readDaemonLog,
  run,
  sleep,
  spawnDaemon,
  startKeyring,
  useKeyring,
  useWorlds,
  waitFor,
  waitForSocket,
  withClient,
  type Keyring,
  type Result,
  type World,
} from '@latchkey/test-utils';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** A valid keychain password (the `{v, value, meta}` record) for items written with secret-tool. */
function record(value: string, ttlMs = 3600_000): string {
  const now = Date.now();
  return JSON.stringify({ v: 1, value, meta: { owner: '', description: '', createdAt: now, expiresAt: now + ttlMs, source: 'manual' } });
}

/** The pid of the gnome-keyring-daemon of `kr` (found by its HOME, which lies in the keyring's folder). */
function keyringDaemonPid(kr: Keyring): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.startsWith('gnome-keyring-daemon') && readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`HOME=${kr.env.HOME}\0`)) {
        return Number(entry);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error(`no gnome-keyring-daemon with HOME=${kr.env.HOME}`);
}

/** Sleeps until the wall clock reads `at` (ms since the epoch). */
async function sleepUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await sleep(ms);
}

// E2E timings swing with the machine's load (every step is a Node process): generous timeouts, no timed CLI asserts.
describe('SECURITY.md: secrets with the real keychain', { timeout: 90_000 }, () => {
  const ring = useKeyring();
  const worlds = useWorlds();
  const newWorld = (kr: Keyring | undefined = ring.keyring): World => worlds(kr);
  const lookup = (w: World, account: string) => keychainLookup(ring.keyring, w.service, account);

  it('12. a NUL byte or a value over 64 KiB is refused at set; a trailing newline survives byte-exact', async () => {
    const w = newWorld();
    await w.startDaemon();
    const [nul, big] = await Promise.all([
      w.agent(['set', 'nul', '--ttl', '1h'], { input: Buffer.from('before\0after'), timeoutMs: 60_000 }),
      // Counted in bytes: 32,769 two-byte characters are 65,538 bytes.
      w.agent(['set', 'big', '--ttl', '1h'], { input: 'é'.repeat(32 * 1024 + 1), timeoutMs: 60_000 }),
    ]);
    expect(nul.code, nul.stderr).toBe(65);
    expect(nul.stderr).toContain('agent: error: the value contains a NUL byte');
    expect(nul.stderr).toContain('agent: hint:');
    expect(nul.stderr).not.toContain('before');
    expect(big.code, big.stderr).toBe(65);
    expect(big.stderr).toContain('65538 bytes, over the limit of 65536');

    // The daemon refuses them too, whoever the client is.
    await withClient(w, async (conn) => {
      await expect(conn.putSecret({ name: 'nul', value: 'x\0y', ttlSeconds: 3600 })).rejects.toMatchObject({ kind: 'input' });
      await expect(conn.putSecret({ name: 'big', value: 'a'.repeat(64 * 1024 + 1), ttlSeconds: 3600 })).rejects.toMatchObject({ kind: 'input' });
    });
    expect(await keychainAccounts(ring.keyring, w.service)).toEqual([]);

    // The boundary: exactly 64 KiB is stored and read back whole, its trailing newline included.
    const max = Buffer.alloc(64 * 1024, 'z');
    max.write('end\n', max.length - 4);
    const cases: Array<[string, Buffer]> = [
      ['max', max],
      ['nl', Buffer.from('tøken\r\n\n')],
    ];
    const sets = await Promise.all(cases.map(([name, value]) => w.agent(['set', name, '--ttl', '1h'], { input: value, timeoutMs: 60_000 })));
    for (const r of sets) expect(r.code, r.stderr).toBe(0);
    const gets = await Promise.all(cases.map(([name]) => w.agent(['get', name], { timeoutMs: 60_000 })));
    for (const [i, [name, value]] of cases.entries()) {
      expect((JSON.parse((await lookup(w, `global:${name}`)) ?? '{}') as { value?: string }).value).toBe(value.toString('utf8'));
      expect(gets[i]!.stdoutBytes.equals(value), `${name}: ${JSON.stringify(gets[i]!.stdout.slice(-20))}`).toBe(true);
    }
  });

  it('14. a secret of project A asked for from project B is denied (77) and audited; from A it resolves', async () => {
    const w = newWorld();
    const a = join(w.dir, 'projects', 'a');
    const b = join(w.dir, 'projects', 'b');
    for (const p of [a, b]) {
      mkdirSync(join(p, 'src'), { recursive: true });
      writeFileSync(join(p, 'agent.env'), 'DB_PASSWORD=agent://db-password\n');
    }
    // A link to A: the scope is A's real path, whichever way the shell got there.
    symlinkSync(a, join(w.dir, 'a-link'));
    const value = 'project-a-only';
    const set = await w.agent(['set', 'db-password', '--project', '--ttl', '1h'], { input: value, cwd: join(w.dir, 'a-link') });
    expect(set.code, set.stderr).toBe(0);
    const scope = realpathSync(a);
    expect(set.stderr).toContain(`in project ${scope}`);
    expect(await keychainAccounts(ring.keyring, w.service)).toEqual([`${scope}:db-password`]);
    expect(JSON.parse((await lookup(w, `${scope}:db-password`)) ?? '{}').value).toBe(value);

    const fromB = await w.agent(['get', 'db-password'], { cwd: join(b, 'src') });
    expect(fromB.code, fromB.stderr).toBe(77);
    expect(fromB.stdout).toBe('');
    expect(fromB.stderr).toContain('agent: error: secret "db-password" is bound to another project');
    expect(fromB.stderr).toContain('agent: hint:');
    expect(fromB.stderr).not.toContain(value);
    const denied = readAudit(w.stateDir).filter((r) => r.secret === 'db-password' && r.outcome === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ event: 'get', scope, uid: process.getuid?.() });
    expect(typeof denied[0]?.pid).toBe('number');
    // Outside any project it is not visible either.
    expect((await w.agent(['get', 'db-password'], { cwd: w.home })).code).toBe(77);

    const fromA = await w.agent(['get', 'db-password'], { cwd: join(a, 'src') });
    expect(fromA.code, fromA.stderr).toBe(0);
    expect(fromA.stdout).toBe(value);
    expect(readAudit(w.stateDir).filter((r) => r.secret === 'db-password' && r.outcome === 'ok' && r.event === 'get')).toHaveLength(1);
    expect(JSON.stringify(readAudit(w.stateDir))).not.toContain(value);
  });

  it('16. served one second before expiry, refused one second after with the sweeper off; the sweeper then removes it', async () => {
    const w = newWorld();
    const first = await w.startDaemon({ env: { LATCHKEY_SWEEP_INTERVAL_MS: '0' } });
    await withClient(w, async (conn) => {
      // Stored through a warm connection, so the expiry is known at once and the reads below reach the
      // daemon when they are sent (a CLI start can take a second on a loaded machine).
      const meta = await conn.putSecret({ name: 'short-lived', value: 'ephemeral', ttlSeconds: 3 });
      const expiresAt = meta.expiresAt;
      const doc = JSON.parse((await lookup(w, 'global:short-lived')) ?? '{}') as { meta: { expiresAt: number; createdAt: number } };
      expect(doc.meta.expiresAt).toBe(expiresAt);
      expect(expiresAt - doc.meta.createdAt).toBe(3000);

      await sleepUntil(expiresAt - 1000);
      const before = Date.now();
      expect((await conn.getSecret('short-lived')).value).toBe('ephemeral');
      expect(before).toBeLessThan(expiresAt);

      await sleepUntil(expiresAt + 1000);
      await expect(conn.getSecret('short-lived')).rejects.toMatchObject({ kind: 'notFound', message: expect.stringContaining('expired') });
      const late = await w.agent(['get', 'short-lived']);
      expect(late.code).toBe(1);
      expect(late.stdout).toBe('');
      expect(late.stderr).toMatch(/agent: error: secret "short-lived" expired \d+s ago/);
      expect(late.stderr).toContain('agent: hint: run agent set short-lived');

      // Refused at read time, not because anything had cleaned up: the item is still in the keychain.
      expect(await lookup(w, 'global:short-lived')).toBeDefined();
      const reads = readAudit(w.stateDir).filter((r) => r.secret === 'short-lived' && r.event === 'get');
      expect(reads.map((r) => r.outcome)).toEqual(['ok', 'expired', 'expired']);
      expect(Date.parse(String(reads[0]?.time))).toBeLessThan(expiresAt);
      expect(Date.parse(String(reads[1]?.time))).toBeGreaterThanOrEqual(expiresAt);
      expect(readAudit(w.stateDir).some((r) => r.event === 'expire')).toBe(false);
      expect(first.output()).toContain('the sweeper is off');
    });

    // A daemon with its sweeper on removes the expired item from the keychain.
    await first.kill('SIGTERM');
    const second = await w.startDaemon({ env: { LATCHKEY_SWEEP_INTERVAL_MS: '300' } });
    // The sweep removes the item, then logs and audits it: wait for the record, its last step (the
    // keychain lookup alone raced the record on a loaded machine).
    const expired = () => readAudit(w.stateDir).filter((r) => r.event === 'expire');
    expect(await waitFor(() => expired().length > 0, 20_000, 100), second.output()).toBe(true);
    expect(expired().map((r) => r.secret)).toEqual(['short-lived']);
    expect(await lookup(w, 'global:short-lived')).toBeUndefined();
    expect(await waitFor(() => readDaemonLog(w.stateDir).includes('swept expired secret "short-lived"'), 20_000, 100)).toBe(true);
  });

  /** 3 x the promised 3 s: what a call that waits on a stopped keychain must stay under on a loaded machine. */
  const KEYCHAIN_FAILS_WITHIN_MS = 9000;

  it('19. a hanging, then a stopped Secret Service: set fails within 3 s with 69 and a hint, the daemon stays up and serves what it holds, no value on disk', async () => {
    const kr = await startKeyring();
    const gkr = keyringDaemonPid(kr);
    try {
      const w = newWorld(kr);
      await w.startDaemon();
      const value = `NO-DISK-${randomBytes(8).toString('hex')}`;
      await withClient(w, async (conn) => {
        /** A PutSecret at the socket: how long it took and how it failed. */
        const timedPut = async (name: string) => {
          const t0 = Date.now();
          const err = await conn.putSecret({ name, value, ttlSeconds: 3600 }).then(
            () => undefined,
            (e: unknown) => e as Error,
          );
          return { ms: Date.now() - t0, err };
        };
        /** What must hold while the keychain is unusable (through the CLI too, the first time). */
        const stillServing = async (cli: boolean) => {
          const t0 = Date.now();
          expect((await conn.getSecret('stored-before')).value).toBe('still-here');
          expect(Date.now() - t0).toBeLessThan(3000); // served from memory, not stuck behind the keychain
          const names = (await conn.listSecrets()).map((m) => m.name);
          // The failed writes left nothing behind in memory either: the keychain is written first.
          expect(names).toEqual(['stored-before']);
          const status = await w.agent(['daemon', 'status']);
          expect(status.code, status.stderr).toBe(0);
          if (!cli) return;
          const get = await w.agent(['get', 'stored-before']);
          expect(get.code, get.stderr).toBe(0);
          expect(get.stdout).toBe('still-here');
          await expect(conn.getSecret('after-stop')).rejects.toMatchObject({ kind: 'notFound' });
        };
        await conn.putSecret({ name: 'stored-before', value: 'still-here', ttlSeconds: 3600 });

        // Hanging: gnome-keyring stopped with SIGSTOP. Every call times out; more calls than libuv has
        // worker threads must not starve the daemon's other work (the audit log before each read).
        process.kill(gkr, 'SIGSTOP');
        const hung = await Promise.all(Array.from({ length: 6 }, (_, i) => timedPut(`hung-${i}`)));
        for (const { ms, err } of hung) {
          expect(err).toMatchObject({ kind: 'unavailable', message: 'the keychain did not answer a write within 2s' });
          // The 2 s timer behind "within 3 s" is keychain.test.ts's (fake timers); here a bound for a hang.
          expect(ms).toBeLessThan(KEYCHAIN_FAILS_WITHIN_MS);
        }
        const t1 = Date.now();
        const setHung = await w.agent(['set', 'after-stop', '--ttl', '1h'], { input: value });
        const cliHungMs = Date.now() - t1;
        expect(setHung.code, setHung.stderr).toBe(69);
        expect(setHung.stderr).toMatch(/^agent: hint: .*keychain/m);
        await stillServing(true);
        process.kill(gkr, 'SIGCONT');

        // Gone: the D-Bus name disappears.
        await kr.stopSecretService();
        const gone = await timedPut('after-stop');
        expect(gone.err).toMatchObject({ kind: 'unavailable' });
        expect(gone.err?.message).toMatch(/^the keychain /);
        expect(gone.ms).toBeLessThan(KEYCHAIN_FAILS_WITHIN_MS);
        const t2 = Date.now();
        const set = await w.agent(['set', 'after-stop', '--ttl', '1h'], { input: value });
        const cliGoneMs = Date.now() - t2;
        console.log(
          `keychain hanging: PutSecret failed after ${Math.max(...hung.map((h) => h.ms))} ms at the socket, agent set in ${cliHungMs} ms; ` +
            `keychain gone: PutSecret failed after ${gone.ms} ms, agent set in ${cliGoneMs} ms`,
        );
        expect(set.code, set.stderr).toBe(69);
        expect(set.stderr).toMatch(/^agent: error: the keychain/m);
        expect(set.stderr).toMatch(/^agent: hint: .*keychain/m);
        for (const r of [set, setHung]) expect(r.stderr + r.stdout).not.toContain(value);
        for (const { err } of [...hung, gone]) expect(JSON.stringify({ m: err?.message, e: err })).not.toContain(value);
        await stillServing(false);
      });

      // No file holding the value, anywhere in the world or the keyring's folders.
      expect(filesContaining(w.dir, value)).toEqual([]);
      expect(filesContaining(kr.dir, value)).toEqual([]);
    } finally {
      try {
        process.kill(gkr, 'SIGCONT');
      } catch {
        // already stopped for good
      }
      await kr.stop();
    }
  });

  it('20. malformed and foreign keychain items are ignored and logged by account, never served', async () => {
    const w = newWorld();
    const pw = (n: number) => `FOREIGN-PW-${n}-${randomBytes(6).toString('hex')}`;
    const items: Array<[account: string, password: string]> = [
      ['global:malformed', `{"v":1,"value":"${pw(1)}",`],
      ['not-ours', record(pw(2))],
      ['relative/scope:name', record(pw(3))],
      ['global:wrong-shape', JSON.stringify({ token: pw(4), expires: 'never' })],
      ['global:value-not-string', JSON.stringify({ v: 1, value: [pw(5)], meta: { expiresAt: Date.now() + 3600_000 } })],
      ['global:future-version', JSON.stringify({ v: 2, value: pw(6), meta: { expiresAt: Date.now() + 3600_000 } })],
      ['global:Bad_Name', record(pw(7))],
      ['global:good', record('good-value')],
    ];
    for (const [account, password] of items) {
      const r = await ring.keyring.secretTool(['store', `--label=${account}`, ...KEYTAR_SCHEMA_ATTRS, 'service', w.service, 'account', account], password);
      expect(r.code, r.stderr).toBe(0);
    }

    const ls = await w.agent(['ls', '--json']); // starts the daemon, which loads the items
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as Array<{ name: string }>).map((e) => e.name)).toEqual(['good']);

    const outputs: Result[] = [ls];
    for (const get of await Promise.all([w.agent(['get', 'malformed'], { timeoutMs: 60_000 }), w.agent(['get', 'name'], { timeoutMs: 60_000 })])) {
      outputs.push(get);
      expect(get.code, get.stderr).toBe(1);
      expect(get.stderr).toContain('agent: error: no secret named');
      expect(get.stdout).toBe('');
    }
    await withClient(w, async (conn) => {
      for (const name of ['malformed', 'wrong-shape', 'value-not-string', 'future-version', 'name', 'not-ours', 'scope:name']) {
        await expect(conn.getSecret(name), name).rejects.toMatchObject({ kind: expect.stringMatching(/^(notFound|input)$/) });
      }
      expect((await conn.getSecret('good')).value).toBe('good-value');
      expect((await conn.status()).secrets).toBe(1);
    });
    const log = readDaemonLog(w.stateDir);
    for (const [account, password] of items.slice(0, -1)) {
      expect(log).toContain(`ignored keychain item ${JSON.stringify(account)}`);
      expect(log).not.toContain(password.slice(0, 40));
    }
    for (const r of outputs) for (const [, password] of items.slice(0, -1)) expect(r.stdout + r.stderr).not.toContain(password.slice(0, 40));
    // Ignored means left alone: the items are still there for whoever owns them.
    for (const [account] of items) expect(await lookup(w, account), account).toBeDefined();
  });

  it('21. an unwritable audit log makes reads and writes of values fail closed; ls and status still work', async () => {
    const scenario = async (how: 'symlink to /dev/full' | 'directory') => {
      const w = newWorld();
      await w.startDaemon();
      const auditPath = join(w.stateDir, 'audit.jsonl');
      await withClient(w, async (conn) => {
        await conn.putSecret({ name: 'guarded', value: 'guarded-value', ttlSeconds: 3600 });
        // The trail's path is taken away from under the running daemon.
        rmSync(auditPath);
        if (how === 'directory') mkdirSync(auditPath);
        else symlinkSync('/dev/full', auditPath);

        // A write of a value is refused too: nothing is stored that the trail does not show.
        const set = await w.agent(['set', 'unrecorded', '--ttl', '1h'], { input: 'unrecorded-value\n' });
        expect(set.code, set.stderr).toBe(69);
        expect(set.stderr).toContain('agent: error: the audit log cannot be written');
        expect(await lookup(w, 'global:unrecorded')).toBeUndefined();
        const get = await w.agent(['get', 'guarded']);
        expect(get.code, `${how}: ${get.stderr}`).not.toBe(0);
        expect(get.code).toBe(69);
        expect(get.stdout).toBe('');
        expect(get.stderr).toContain('agent: error: the audit log cannot be written');
        expect(get.stderr).toContain('agent: hint:');
        expect(get.stderr).not.toContain('guarded-value');
        // Through the client too: no value in the answer.
        await expect(conn.getSecret('guarded')).rejects.toMatchObject({ kind: 'unavailable' });

        // Commands that serve no value keep working (through the CLI once; the two ways fail alike).
        if (how === 'directory') {
          expect((await conn.listSecrets()).map((m) => m.name)).toEqual(['guarded']);
          expect((await conn.status()).pid).toBeGreaterThan(0);
        } else {
          const [ls, status] = await Promise.all([w.agent(['ls'], { timeoutMs: 60_000 }), w.agent(['daemon', 'status'], { timeoutMs: 60_000 })]);
          expect(ls.code, ls.stderr).toBe(0);
          expect(ls.stdout).toContain('guarded');
          expect(status.code, status.stderr).toBe(0);
        }
        // The daemon neither followed nor replaced what it found there.
        expect(how === 'directory' ? lstatSync(auditPath).isDirectory() : lstatSync(auditPath).isSymbolicLink()).toBe(true);

        // Once the log can be written again, reads work again (the log is reopened) and are audited.
        rmSync(auditPath, { recursive: true });
        expect((await conn.getSecret('guarded')).value).toBe('guarded-value');
      });
      expect(lstatSync(auditPath).isFile()).toBe(true);
      const records = readAudit(w.stateDir);
      expect(records.some((r) => r.event === 'get' && r.outcome === 'ok' && r.secret === 'guarded')).toBe(true);
      // The new file at the path says what happened to the one before it.
      expect(records[0]).toMatchObject({ event: 'audit', outcome: 'deleted' });
    };
    await Promise.all([scenario('symlink to /dev/full'), scenario('directory')]);
  });

  it('22. 100 concurrent sets of one name: one final value, the same in memory and in the keychain', async () => {
    const w = newWorld();
    await w.startDaemon();
    // Each value carries its own TTL, so the metadata must match the value that won, in both places.
    const ttlOf = (value: string) => 3600 + Number(value.split('-')[1]);
    const check = async (candidates: string[]) => {
      const get = await w.agent(['get', 'contended']);
      expect(get.code, get.stderr).toBe(0);
      expect(candidates).toContain(get.stdout);
      const doc = JSON.parse((await lookup(w, 'global:contended')) ?? '{}') as { value: string; meta: { createdAt: number; expiresAt: number } };
      expect(doc.value).toBe(get.stdout);
      expect(doc.meta.expiresAt - doc.meta.createdAt).toBe(ttlOf(get.stdout) * 1000);
      const entries = (await withClient(w, (conn) => conn.listSecrets())).filter((e) => e.name === 'contended');
      expect(entries).toHaveLength(1);
      expect(entries[0]!.expiresAt).toBe(doc.meta.expiresAt);
      expect(entries[0]!.createdAt).toBe(doc.meta.createdAt);
      expect((await keychainAccounts(ring.keyring, w.service)).filter((a) => a === 'global:contended')).toHaveLength(1);
    };

    const grpcValues = Array.from({ length: 100 }, (_, i) => `grpc-${i}-${randomBytes(4).toString('hex')}`);
    const conns = Array.from({ length: 10 }, () => new AgentConnection(w.socket));
    try {
      const results = await Promise.allSettled(
        grpcValues.map((value, i) => conns[i % conns.length]!.putSecret({ name: 'contended', value, ttlSeconds: ttlOf(value) })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      for (const c of conns) c.close();
    }
    await check(grpcValues);

    const cliValues = Array.from({ length: 10 }, (_, i) => `cli-${100 + i}-${randomBytes(4).toString('hex')}`);
    const sets = await Promise.all(cliValues.map((value) => w.agent(['set', 'contended', '--ttl', `${ttlOf(value)}s`], { input: value, timeoutMs: 60_000 })));
    expect(sets.map((r) => r.code)).toEqual(cliValues.map(() => 0));
    await check(cliValues);
  });

  it('24. a canary value appears nowhere but on the stdout of get', async () => {
    const w = newWorld();
    const canary = `CANARY-${randomBytes(16).toString('hex')}`;
    const results: Array<[string, Result]> = [];
    const agent = async (args: string[], opts: { input?: string | Buffer } = {}) => {
      const r = await w.agent(args, { ...opts, timeoutMs: 60_000 });
      results.push([args.join(' '), r]);
      return r;
    };

    expect((await agent(['set', 'canary', '--ttl', '1h', '--owner', 'sec', '--desc', 'canary secret'], { input: canary })).code).toBe(0);
    const get = await agent(['get', 'canary']);
    expect(get.stdout).toBe(canary);
    const codes = await Promise.all([
      agent(['ls']),
      agent(['ls', '--json']),
      agent(['daemon', 'status', '--json']),
      // Errors with the canary as input, after it is stored (31d is refused by the daemon, so the value
      // travels to it first).
      agent(['set', 'canary', '--ttl', 'never'], { input: canary }),
      agent(['set', 'canary', '--ttl', '31d'], { input: canary }),
      agent(['set', 'canary', '--ttl', '1h'], { input: `${canary}\0` }),
      agent(['set', 'canary', '--ttl', '1h'], { input: `${canary}${'x'.repeat(70_000)}` }),
      agent(['set', 'canary-short', '--ttl', '1s'], { input: canary }),
    ]).then((rs) => rs.map((r) => r.code));
    expect(codes).toEqual([0, 0, 0, 65, 65, 65, 65, 0]);

    // gRPC error details and metadata, read raw (not through the client's error mapping).
    const raw = rawAgent(w.socket);
    const rawCall = async (method: UnaryMethod, req: object) => (await raw.call(method, req)).err;
    const grpcErrors: Array<grpc.ServiceError | undefined> = [];
    try {
      grpcErrors.push(await rawCall('putSecret', { name: 'canary', value: canary, ttlSeconds: 31 * 86400 }));
      grpcErrors.push(await rawCall('putSecret', { name: 'canary', value: `${canary}\0`, ttlSeconds: 60 }));
      grpcErrors.push(await rawCall('putSecret', { name: 'BAD NAME', value: canary, ttlSeconds: 60 }));
      grpcErrors.push(await rawCall('putSecret', { name: 'canary', value: canary.repeat(2000), ttlSeconds: 60 }));
      // Read again until its 1 s TTL has passed and the read fails (bounded), not after a guessed delay.
      const expiredRead = await waitFor(() => rawCall('getSecret', { name: 'canary-short', cwd: '' }), 10_000, 50);
      expect(expiredRead?.code, String(expiredRead?.details)).toBe(grpc.status.NOT_FOUND);
      grpcErrors.push(expiredRead);
    } finally {
      raw.close();
    }
    // Every call failed, and none said the value.
    expect(grpcErrors.every((e) => e !== undefined)).toBe(true);
    for (const e of grpcErrors) {
      expect(`${e?.details} ${e?.message} ${JSON.stringify(e?.metadata?.toJSON())}`).not.toContain(canary);
    }

    expect((await agent(['get', 'canary-short'])).code).toBe(1); // expired (or already swept)
    expect((await agent(['rm', 'canary'])).code).toBe(0);
    expect((await agent(['get', 'canary'])).code).toBe(1);
    expect((await agent(['daemon', 'stop'])).code).toBe(0); // flushes and closes the logs

    for (const [cmd, r] of results) {
      expect(r.stderr, `stderr of agent ${cmd}`).not.toContain(canary);
      if (r !== get) expect(r.stdout, `stdout of agent ${cmd}`).not.toContain(canary);
    }
    const audit = readFileSync(join(w.stateDir, 'audit.jsonl'), 'utf8');
    const log = readDaemonLog(w.stateDir);
    expect(audit).toContain('"secret":"canary"'); // the checks below are not vacuous
    expect(log).toContain('listening on');
    expect(audit).not.toContain(canary);
    expect(log).not.toContain(canary);
    expect(filesContaining(w.dir, canary)).toEqual([]);
    // gnome-keyring stores it encrypted: no plain text in the keyring's files either.
    expect(filesContaining(ring.keyring.dir, canary)).toEqual([]);
  });
});

describe('SECURITY.md 25: the daemon process is closed to the same user', { timeout: 60_000 }, () => {
  const worlds = useWorlds();

  /** Runs `node -e script ...args` as uid 65534 and parses the JSON it prints. */
  const asNobody = async (w: World, script: string, args: string[]): Promise<Record<string, string>> => {
    const file = join(w.dir, 'probe.cjs');
    writeFileSync(file, script);
    chownSync(file, 65534, 65534);
    const r = await run(NOBODY[0]!, [...NOBODY.slice(1), process.execPath, file, ...args], { env: w.env, cwd: w.dir });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, string>;
  };
  const PROBE = `
    const fs = require('node:fs');
    const pid = process.argv[2];
    const out = {};
    try { out.environ = fs.readFileSync('/proc/' + pid + '/environ', 'latin1'); } catch (e) { out.environErr = e.code; }
    try { fs.closeSync(fs.openSync('/proc/' + pid + '/mem', 'r')); out.mem = 'opened'; } catch (e) { out.memErr = e.code; }
    process.stdout.write(JSON.stringify(out));`;

  it('25. /proc/<pid>/environ and mem are unreadable by the same uid; SIGUSR1 opens no inspector', async () => {
    const w = worlds(undefined, { LATCHKEY_PROBE_MARKER: 'marker-in-environ' });
    const chownTree = (p: string) => run('chown', ['-R', '65534:65534', p]);
    expect((await chownTree(w.dir)).code).toBe(0);

    // A control: an ordinary process of uid 65534 is open to uid 65534, so the probe can see a leak.
    const control = spawn(NOBODY[0]!, [...NOBODY.slice(1), process.execPath, '-e', 'setInterval(() => {}, 1000)'], { env: w.env, stdio: 'ignore' });
    try {
      expect(await waitFor(() => /^Uid:\s+65534\s/m.test(readFileSync(`/proc/${control.pid}/status`, 'utf8')), 5000, 20)).toBe(true);
      const seen = await asNobody(w, PROBE, [String(control.pid)]);
      expect(seen.environ).toContain('marker-in-environ');
      expect(seen.mem).toBe('opened');
    } finally {
      control.kill('SIGKILL');
    }

    const d = spawnDaemon(w.env, ['--foreground'], NOBODY);
    try {
      await waitForSocket(w.socket, d);
      expect(readFileSync(`/proc/${d.pid}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
      expect(d.output()).not.toContain('hardening not applied');

      const probe = await asNobody(w, PROBE, [String(d.pid)]);
      expect(probe.environ).toBeUndefined();
      expect(probe.environErr).toBe('EACCES');
      expect(probe.mem).toBeUndefined();
      expect(['EACCES', 'EPERM']).toContain(probe.memErr);
      // cat, as the user would try it.
      const cat = await run(NOBODY[0]!, [...NOBODY.slice(1), 'cat', `/proc/${d.pid}/environ`], { env: w.env });
      expect(cat.code).not.toBe(0);
      expect(cat.stdout).toBe('');
      expect(cat.stderr).toContain('Permission denied');

      // SIGUSR1 opens the inspector of a plain Node process (the control, on a random port so it
      // cannot collide with anything); the daemon ignores it.
      const plain = spawn(process.execPath, ['--inspect-port=0', '-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let plainErr = '';
      plain.stderr.on('data', (b: Buffer) => (plainErr += b.toString()));
      const busy9229 = await canConnect9229();
      try {
        // Signalled once it catches SIGUSR1 (bit 10 of SigCgt), not after a guessed delay: earlier, it would die of it.
        const catchesUsr1 = () => (BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${plain.pid}/status`, 'utf8'))?.[1] ?? '0'}`) & 0x200n) !== 0n;
        expect(await waitFor(catchesUsr1, 10_000, 20), 'the plain node process never caught SIGUSR1').toBe(true);
        process.kill(plain.pid!, 'SIGUSR1');
        process.kill(d.pid, 'SIGUSR1');
        expect(await waitFor(() => plainErr.includes('Debugger listening'), 5000, 50)).toBe(true);
        await sleep(1000);
        const ss = await run('ss', ['-Hltnp']);
        expect(ss.stdout).toContain(`pid=${plain.pid},`);
        expect(ss.stdout).not.toContain(`pid=${d.pid},`);
      } finally {
        plain.kill('SIGKILL');
      }
      expect(alive(d.pid)).toBe(true);
      expect(d.output()).not.toContain('Debugger listening');
      // Nothing of ours on the inspector's default port (unless something else held it already).
      if (!busy9229) expect(await canConnect9229()).toBe(false);
      const status = await run(NOBODY[0]!, [...NOBODY.slice(1), process.execPath, CLI, 'daemon', 'status', '--json'], { env: w.env, cwd: w.home });
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).pid).toBe(d.pid);
    } finally {
      await d.kill('SIGTERM');
    }
  });

  it('25. NODE_OPTIONS with --inspect or --require makes the daemon refuse to start (77)', async () => {
    const w = worlds();
    const preload = join(w.dir, 'preload.cjs');
    writeFileSync(preload, '// harmless, but code the daemon did not choose\n');
    for (const nodeOptions of ['--inspect', `--require=${preload}`, `-r ${preload}`, `--import=${preload}`]) {
      const d = spawnDaemon({ ...w.env, NODE_OPTIONS: nodeOptions });
      const exit = await d.exited;
      expect(exit.code, `${nodeOptions}: ${d.output()}`).toBe(77);
      expect(d.output()).toContain('agent: error: refusing to start the daemon: NODE_OPTIONS');
      expect(d.output()).toContain('agent: hint:');
      expect(await canConnect(w.socket)).toBe(false);
    }
  });
});

/** Whether anything accepts a TCP connection on the inspector's default port. */
function canConnect9229(): Promise<boolean> {
  return import('node:net').then(
    ({ connect }) =>
      new Promise<boolean>((resolve) => {
        const s = connect(9229, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
  );
}
