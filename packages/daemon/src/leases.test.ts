import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { inputError, isLatchkeyError, notFoundError, type LatchkeyError, type TtlPolicy } from '@latchkey/core';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import { MemoryAudit, type Peer } from './audit.js';
import { memoryLogger } from './log.js';
import { LeaseManager, type LeaseKind, type LeaseManagerDeps } from './leases.js';

const T0 = 1_900_000_000_000;
const TTL: TtlPolicy = { defaultSeconds: 900, maxSeconds: 3600 };
const SIGNER_VALUE = 'signer-value-0123456789-abcdefghijklmnop';
const PEER: Peer = { pid: 4242, uid: 1000, exe: '/usr/bin/node' };

let now: number;
let audit: MemoryAudit;
let log: ReturnType<typeof memoryLogger>;
let alive: Set<number>;
let managers: LeaseManager[];

function manager(over: Partial<LeaseManagerDeps> = {}): LeaseManager {
  const m = new LeaseManager({
    clock: () => now,
    audit,
    log,
    ttl: TTL,
    isAlive: (pid) => alive.has(pid),
    pollMs: 60_000, // tests sweep by hand unless they set a short poll
    readSigner: async (name) => {
      if (name !== 'dev-signer') throw notFoundError(`no secret named ${name}`);
      return SIGNER_VALUE;
    },
    ...over,
  });
  managers.push(m);
  return m;
}

const leaseEvents = () => audit.events.filter((e) => e.event === 'lease');

beforeEach(() => {
  now = T0;
  audit = new MemoryAudit();
  log = memoryLogger();
  alive = new Set([PEER.pid]);
  managers = [];
});

afterEach(async () => {
  for (const m of managers) await m.close();
});

describe('issue', () => {
  it('mints a random key under a new lease with the default ttl', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 0, params: { bytes: '16', encoding: 'hex', prefix: 'sk_test_' } });
    expect(key.value).toMatch(/^sk_test_[0-9a-f]{32}$/);
    expect(key.leaseId).toMatch(/^lease_[A-Za-z0-9_-]{22}$/);
    expect(key.expiresAt).toBe(T0 + TTL.defaultSeconds * 1000);
  });

  it('mints a jwt signed by the signer, with jti = lease id and exp = iat + ttl', async () => {
    const signerCalls: Array<[string, Peer | undefined]> = [];
    const m = manager({
      readSigner: async (name, peer) => {
        signerCalls.push([name, peer]);
        return SIGNER_VALUE;
      },
    });
    const key = await m.issue({ kind: 'jwt', ttlSeconds: 600, params: { signer: 'dev-signer', sub: 'tests' } }, PEER);
    expect(signerCalls).toEqual([['dev-signer', PEER]]);
    const [h, p, s] = key.value.split('.') as [string, string, string];
    expect(createHmac('sha256', SIGNER_VALUE).update(`${h}.${p}`).digest('base64url')).toBe(s);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'tests', jti: key.leaseId, iat: T0 / 1000, exp: T0 / 1000 + 600 });
    expect(key.expiresAt).toBe(T0 + 600_000);
    expect(m.introspect(key.value)).toEqual({ active: true, leaseId: key.leaseId, expiresAt: key.expiresAt, kind: 'jwt' });
  });

  it('refuses a ttl over the maximum, and negative or fractional ttls', async () => {
    const m = manager();
    const err = await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: TTL.maxSeconds + 1, params: {} }), 'input');
    expect(err.message).toContain('over the maximum');
    await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: -5, params: {} }), 'input');
    await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 1.5, params: {} }), 'input');
    const ok = await m.issue({ kind: 'random', ttlSeconds: TTL.maxSeconds, params: {} });
    expect(ok.expiresAt).toBe(T0 + TTL.maxSeconds * 1000);
    expect(leaseEvents().filter((e) => e.outcome === 'issued')).toHaveLength(1);
  });

  it('refuses an unknown kind and unknown or bad parameters, before reading any signer', async () => {
    const readSigner = vi.fn(async () => SIGNER_VALUE);
    const m = manager({ readSigner });
    const err = await expectLatchkeyError(() => m.issue({ kind: 'rsa', ttlSeconds: 60, params: {} }), 'input');
    expect(err.message).toContain('"rsa"');
    await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: { bytes: '0' } }), 'input');
    await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: { signer: 'x' } }), 'input');
    await expectLatchkeyError(() => m.issue({ kind: 'jwt', ttlSeconds: 60, params: {} }), 'input');
    await expectLatchkeyError(() => m.issue({ kind: 'jwt', ttlSeconds: 60, params: { signer: 'dev-signer', 'claim.exp': '1' } }), 'input');
    expect(readSigner).not.toHaveBeenCalled();
    expect(m.list()).toEqual([]);
    expect(leaseEvents()).toEqual([]);
  });

  it('passes the signer read error through (unknown signer)', async () => {
    const m = manager();
    const err = await expectLatchkeyError(() => m.issue({ kind: 'jwt', ttlSeconds: 60, params: { signer: 'missing' } }), 'notFound');
    expect(m.list()).toEqual([]);
  });

  it('does not serve a key when the audit record cannot be written', async () => {
    const m = manager();
    audit.failing = true;
    const err = await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: {} }), 'unavailable');
    expect(m.list()).toEqual([]);
    expect(m.size).toBe(0);
  });

  it('gives 100 concurrent issuers minting 50 keys each 5,000 unique keys and lease ids', async () => {
    const m = manager();
    const worker = async () => {
      const out: Array<{ value: string; leaseId: string }> = [];
      for (let i = 0; i < 50; i++) out.push(await m.issue({ kind: 'random', ttlSeconds: 120, params: {} }, PEER));
      return out;
    };
    const results = (await Promise.all(Array.from({ length: 100 }, worker))).flat();
    expect(results).toHaveLength(5000);
    expect(new Set(results.map((r) => r.value)).size).toBe(5000);
    expect(new Set(results.map((r) => r.leaseId)).size).toBe(5000);
    expect(m.list()).toHaveLength(5000);
    expect(m.introspect(results[4321]!.value).active).toBe(true);
  });

  it('never hands out a key equal to an active one, and says so when the key space runs out', async () => {
    const m = manager();
    const values: string[] = [];
    let err: LatchkeyError | undefined;
    for (let i = 0; i < 300 && !err; i++) {
      try {
        values.push((await m.issue({ kind: 'random', ttlSeconds: 60, params: { bytes: '1', encoding: 'hex' } })).value);
      } catch (e) {
        if (!isLatchkeyError(e)) throw e;
        err = e;
      }
    }
    expect(err?.kind).toBe('input');
    expect(err?.message).toContain('key space');
    expect(values.length).toBeGreaterThan(64);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('introspection and expiry', () => {
  it('is active until the ttl, inactive from it on, and forgets the key', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} }, PEER);
    expect(m.introspect(key.value)).toEqual({ active: true, leaseId: key.leaseId, expiresAt: T0 + 60_000, kind: 'random' });
    now = T0 + 60_000 - 1;
    expect(m.introspect(key.value).active).toBe(true);
    now = T0 + 60_000;
    expect(m.introspect(key.value)).toEqual({ active: false, leaseId: '', expiresAt: 0, kind: '' });
    await vi.waitFor(() => expect(leaseEvents().map((e) => e.outcome)).toEqual(['issued', 'expired']));
    now = T0; // even with the clock set back, an ended lease stays ended
    expect(m.introspect(key.value).active).toBe(false);
    expect(m.list()).toEqual([]);
  });

  it('answers inactive for unknown, empty and altered values', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} });
    const inactive = { active: false, leaseId: '', expiresAt: 0, kind: '' };
    expect(m.introspect('not-a-key')).toEqual(inactive);
    expect(m.introspect('')).toEqual(inactive);
    expect(m.introspect(`${key.value}x`)).toEqual(inactive);
    expect(m.introspect(key.value.slice(1))).toEqual(inactive);
  });

  it('expires leases in the sweep without anyone asking, and hides them from list', async () => {
    const m = manager();
    const short = await m.issue({ kind: 'random', ttlSeconds: 10, params: {} }, PEER);
    const long = await m.issue({ kind: 'random', ttlSeconds: 100, params: {} }, PEER);
    now = T0 + 10_000;
    expect(m.list().map((l) => l.leaseId)).toEqual([long.leaseId]);
    await m.sweep();
    expect(m.size).toBe(1);
    const expired = leaseEvents().filter((e) => e.outcome === 'expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ leaseId: short.leaseId, kind: 'random', peer: PEER });
  });

  it('expires on the shared timer', async () => {
    const m = manager({ pollMs: 5 });
    const key = await m.issue({ kind: 'random', ttlSeconds: 1, params: {} });
    now = T0 + 1000;
    await vi.waitFor(() => expect(leaseEvents().some((e) => e.outcome === 'expired' && e.leaseId === key.leaseId)).toBe(true));
    expect(m.size).toBe(0);
  });
});

describe('revoke', () => {
  it('ends a lease now, once', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} }, PEER);
    const revoker: Peer = { pid: 7, uid: 1000 };
    expect(await m.revoke(key.leaseId, revoker)).toBe(true);
    expect(m.introspect(key.value).active).toBe(false);
    expect(await m.revoke(key.leaseId, revoker)).toBe(false);
    expect(await m.revoke('lease_unknown')).toBe(false);
    expect(m.list()).toEqual([]);
    expect(leaseEvents().map((e) => [e.outcome, e.peer])).toEqual([
      ['issued', PEER],
      ['revoked', revoker],
    ]);
  });

  it('does not revoke an expired lease (it is audited as expired)', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} });
    now = T0 + 61_000;
    expect(await m.revoke(key.leaseId)).toBe(false);
    await vi.waitFor(() => expect(leaseEvents().map((e) => e.outcome)).toEqual(['issued', 'expired']));
  });
});

describe('leases bound to a process', () => {
  it('end when the process exits (poll), while other leases live on', async () => {
    alive.add(5001);
    const m = manager({ pollMs: 5 });
    const bound = await m.issue({ kind: 'random', ttlSeconds: 600, params: {}, bindPid: 5001 }, PEER);
    const free = await m.issue({ kind: 'random', ttlSeconds: 600, params: {} }, PEER);
    expect(m.list().find((l) => l.leaseId === bound.leaseId)?.boundPid).toBe(5001);
    alive.delete(5001);
    await vi.waitFor(() => expect(leaseEvents().some((e) => e.outcome === 'ended' && e.leaseId === bound.leaseId)).toBe(true));
    expect(m.introspect(bound.value).active).toBe(false);
    expect(m.introspect(free.value).active).toBe(true);
    const ended = leaseEvents().find((e) => e.outcome === 'ended');
    expect(ended).toMatchObject({ reason: 'process exited', boundPid: 5001 });
  });

  it('end within one poll (250 ms by default) of the process exit, not before it', async () => {
    vi.useFakeTimers();
    try {
      alive.add(5004);
      const m = manager({ pollMs: undefined });
      const key = await m.issue({ kind: 'random', ttlSeconds: 600, params: {}, bindPid: 5004 });
      await vi.advanceTimersByTimeAsync(1000);
      expect(leaseEvents().map((e) => e.outcome)).toEqual(['issued']); // alive: polls end nothing
      alive.delete(5004);
      await vi.advanceTimersByTimeAsync(250);
      expect(leaseEvents().find((e) => e.leaseId === key.leaseId && e.outcome === 'ended')).toMatchObject({ reason: 'process exited' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('are inactive at introspection as soon as the process is gone, before any sweep', async () => {
    alive.add(5002);
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 600, params: {}, bindPid: 5002 });
    alive.delete(5002);
    expect(m.introspect(key.value).active).toBe(false);
  });

  it('end at their ttl when the process outlives it', async () => {
    alive.add(5003);
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 5, params: {}, bindPid: 5003 });
    now = T0 + 5000;
    await m.sweep();
    expect(m.introspect(key.value).active).toBe(false);
    expect(leaseEvents().map((e) => e.outcome)).toEqual(['issued', 'expired']);
  });

  it('bind pid 0 means the caller, a negative pid means no process', async () => {
    const m = manager();
    const mine = await m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: 0 }, PEER);
    const none = await m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: -1 }, PEER);
    const info = new Map(m.list().map((l) => [l.leaseId, l]));
    expect(info.get(mine.leaseId)?.boundPid).toBe(PEER.pid);
    expect(info.get(none.leaseId)?.boundPid).toBe(0);
  });

  it('refuses to bind to a process that is not running', async () => {
    const m = manager();
    const err = await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: 999_999 }), 'input');
    expect(m.size).toBe(0);
  });

  it('endAllFor ends only the leases of that process', async () => {
    alive.add(6001).add(6002);
    const m = manager();
    const a1 = await m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: 6001 });
    const a2 = await m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: 6001 });
    const b = await m.issue({ kind: 'random', ttlSeconds: 60, params: {}, bindPid: 6002 });
    expect(await m.endAllFor(6001)).toBe(2);
    expect(m.introspect(a1.value).active).toBe(false);
    expect(m.introspect(a2.value).active).toBe(false);
    expect(m.introspect(b.value).active).toBe(true);
    expect(await m.endAllFor(6001)).toBe(0);
  });

  it('with the default liveness check, end when a real child process exits', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    const pid = child.pid as number;
    const m = manager({ isAlive: undefined, pollMs: 10 });
    const key = await m.issue({ kind: 'random', ttlSeconds: 600, params: {}, bindPid: pid });
    expect(m.list()[0]?.boundExe).toBe(process.platform === 'linux' ? process.execPath : expect.any(String));
    await new Promise((r) => setTimeout(r, 50));
    expect(m.introspect(key.value).active).toBe(true);
    child.kill('SIGKILL');
    await vi.waitFor(() => expect(leaseEvents().some((e) => e.outcome === 'ended')).toBe(true), { timeout: 5000 });
    expect(m.introspect(key.value).active).toBe(false);
  });
});

describe('audit and listing', () => {
  it('audits issue, revoke, expiry and process exit with fingerprints, never values', async () => {
    alive.add(7001);
    const m = manager();
    const values: string[] = [];
    const issue = async (req: Parameters<LeaseManager['issue']>[0]) => {
      const key = await m.issue(req, PEER);
      values.push(key.value);
      return key;
    };
    const revoked = await issue({ kind: 'random', ttlSeconds: 60, params: {} });
    await issue({ kind: 'random', ttlSeconds: 10, params: { encoding: 'hex' } });
    await issue({ kind: 'jwt', ttlSeconds: 60, params: { signer: 'dev-signer' }, bindPid: 7001 });
    const listed = m.list();
    await m.revoke(revoked.leaseId, PEER);
    now = T0 + 10_000;
    alive.delete(7001);
    await m.sweep();

    const events = leaseEvents();
    expect(events.map((e) => e.outcome).sort()).toEqual(['ended', 'expired', 'issued', 'issued', 'issued', 'revoked']);
    for (const e of events) {
      expect(e).toMatchObject({ event: 'lease', leaseId: expect.stringMatching(/^lease_/), kind: expect.stringMatching(/^(random|jwt)$/) });
      expect(e.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      const listedFp = listed.find((l) => l.leaseId === e.leaseId)?.fingerprint;
      expect(e.fingerprint).toBe(listedFp);
    }
    expect(events.find((e) => e.kind === 'jwt' && e.outcome === 'issued')).toMatchObject({ signer: 'dev-signer', boundPid: 7001 });
    const dump = JSON.stringify(audit.events) + log.lines.join('\n');
    for (const v of values) {
      expect(dump).not.toContain(v);
      for (const part of v.split('.')) expect(dump).not.toContain(part);
    }
    expect(dump).not.toContain(SIGNER_VALUE);
  });

  it('lists metadata only, with a 16-hex fingerprint that is not derived from the value alone', async () => {
    const m = manager();
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} }, PEER);
    now = T0 + 5;
    const [info] = m.list();
    expect(info).toEqual({
      leaseId: key.leaseId,
      kind: 'random',
      issuedAt: T0,
      expiresAt: T0 + 60_000,
      boundPid: 0,
      boundExe: '',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      state: '',
    });
    expect(JSON.stringify(info)).not.toContain(key.value);
    // keyed: a second daemon (another key) fingerprints the same value differently
    expect(createHmac('sha256', '').update(key.value).digest('hex').slice(0, 16)).not.toBe(info?.fingerprint);
  });

  it('close ends every lease, stops the timer and refuses new issues', async () => {
    const m = manager({ pollMs: 5 });
    const key = await m.issue({ kind: 'random', ttlSeconds: 60, params: {} });
    await m.close();
    expect(m.introspect(key.value).active).toBe(false);
    expect(leaseEvents().at(-1)).toMatchObject({ outcome: 'ended', reason: 'daemon stopped' });
    await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: {} }), 'unavailable');
  });
});

describe('lease caps (SECURITY 43)', () => {
  const random = { kind: 'random', ttlSeconds: 60, params: { bytes: '16' } };

  it('refuses a lease past the total cap with RESOURCE_EXHAUSTED (kind exhausted, exit 69) and a hint; an ended lease frees its place', async () => {
    const m = manager({ limits: { total: 3, perProcess: 3 } });
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(await m.issue({ ...random, bindPid: -1 }));
    const err = await expectLatchkeyError(() => m.issue({ ...random, bindPid: -1 }), 'exhausted');
    expect(err.exitCode).toBe(69);
    expect(err.message).toContain('too many temporary keys are active (3, the most is 3)');
    expect(err.hint).toContain('maxLeases');
    await m.revoke(keys[0]!.leaseId);
    await expect(m.issue({ ...random, bindPid: -1 })).resolves.toHaveProperty('leaseId');
  });

  it('counts expired leases not yet swept as gone', async () => {
    const m = manager({ limits: { total: 2, perProcess: 2 } });
    await m.issue({ ...random, bindPid: -1 });
    await m.issue({ ...random, bindPid: -1 });
    now += 61_000;
    await expect(m.issue({ ...random, bindPid: -1 })).resolves.toHaveProperty('leaseId');
  });

  it('caps the leases bound to one process, leaving other processes their share', async () => {
    alive.add(5151);
    const m = manager({ limits: { total: 100, perProcess: 2 } });
    await m.issue({ ...random, bindPid: PEER.pid });
    await m.issue({ ...random, bindPid: PEER.pid });
    const err = await expectLatchkeyError(() => m.issue({ ...random, bindPid: PEER.pid }), 'exhausted');
    expect(err.message).toContain(`process ${PEER.pid} holds too many temporary keys`);
    await expect(m.issue({ ...random, bindPid: 5151 })).resolves.toHaveProperty('leaseId');
  });

  it('SECURITY 43: issues in flight together (jwt, waiting on the signer) do not overshoot the cap', async () => {
    const m = manager({ limits: { total: 3, perProcess: 3 } });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => m.issue({ kind: 'jwt', ttlSeconds: 60, params: { signer: 'dev-signer' }, bindPid: -1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => (r.reason as LatchkeyError).kind)).toEqual(Array(5).fill('exhausted'));
    expect(m.size).toBe(3);
  });

  it('SECURITY 43: a client hammering at the cap buys one sweep per poll period, not one per refusal', async () => {
    let probes = 0;
    const m = manager({ limits: { total: 2, perProcess: 2 }, isAlive: (pid) => (probes++, alive.has(pid)) });
    await m.issue({ ...random, ttlSeconds: 3600, bindPid: PEER.pid });
    await m.issue({ ...random, ttlSeconds: 3600, bindPid: PEER.pid });
    for (let i = 0; i < 100; i++) await expectLatchkeyError(() => m.issue({ ...random, bindPid: -1 }), 'exhausted');
    expect(probes).toBeLessThanOrEqual(2); // the first refusal's sweep (and the first issue's check)
    now += 60_000; // one poll period later (pollMs is 60 s in these tests), the next refusal sweeps again
    const before = probes;
    await expectLatchkeyError(() => m.issue({ ...random, bindPid: -1 }), 'exhausted');
    expect(probes).toBe(before + 1);
  });
});

describe('a kind with a teardown (a lease-end hook)', () => {
  /** A kind that mints "made-N" and records every end, with the audit events seen when it ran. */
  function recordingKind(fail = false) {
    const ends: Array<{ handle: unknown; how: string; auditedBefore: number }> = [];
    let n = 0;
    const kind: LeaseKind = {
      check: (params) => {
        if (params.bad) throw inputError('bad parameter');
      },
      mint: async () => {
        n++;
        return { value: `made-${n}-${'x'.repeat(20)}`, handle: { user: `u${n}` } };
      },
      end: async (minted, how) => {
        await new Promise((r) => setImmediate(r));
        ends.push({ handle: minted.handle, how, auditedBefore: leaseEvents().filter((e) => e.outcome !== 'issued').length });
        if (fail) throw new Error('server went away');
      },
    };
    return { kind, ends };
  }

  it('runs the end hook once per lease, for revoke, expiry, process exit and close, before the end is audited', async () => {
    const { kind, ends } = recordingKind();
    const m = manager({ kinds: { db: kind } });
    alive.add(7001);
    const revoked = await m.issue({ kind: 'db', ttlSeconds: 600, params: {} });
    const expiring = await m.issue({ kind: 'db', ttlSeconds: 60, params: {} });
    await m.issue({ kind: 'db', ttlSeconds: 600, params: {}, bindPid: 7001 });
    await m.issue({ kind: 'db', ttlSeconds: 600, params: {} });

    expect(await m.revoke(revoked.leaseId)).toBe(true);
    expect(await m.revoke(revoked.leaseId)).toBe(false);
    now += 60_000;
    await m.sweep();
    alive.delete(7001);
    await m.sweep();
    await m.close();
    expect(ends.map((e) => [e.handle, e.how])).toEqual([
      [{ user: 'u1' }, 'revoked'],
      [{ user: 'u2' }, 'expired'],
      [{ user: 'u3' }, 'ended'],
      [{ user: 'u4' }, 'ended'],
    ]);
    // each end hook ran before its lease's end was audited
    expect(ends.map((e) => e.auditedBefore)).toEqual([0, 1, 2, 3]);
    expect(m.introspect(expiring.value).active).toBe(false);
  });

  it('tears down what was minted when the issue audit fails (the key is never served)', async () => {
    const { kind, ends } = recordingKind();
    const m = manager({ kinds: { db: kind } });
    audit.failing = true;
    await expectLatchkeyError(() => m.issue({ kind: 'db', ttlSeconds: 60, params: {} }), 'unavailable');
    expect(ends.map((e) => e.how)).toEqual(['abandoned']);
  });

  it('a failing teardown still ends the lease, is logged, and the end record says teardown failed', async () => {
    const { kind } = recordingKind(true);
    const m = manager({ kinds: { db: kind } });
    const key = await m.issue({ kind: 'db', ttlSeconds: 60, params: {} });
    expect(await m.revoke(key.leaseId)).toBe(true);
    expect(m.introspect(key.value).active).toBe(false);
    expect(leaseEvents().at(-1)).toMatchObject({ outcome: 'revoked', teardown: 'failed' });
    expect(log.lines.join('\n')).toContain('server went away');
  });

  it('checks the parameters before minting, and names the kinds served when a kind is unknown', async () => {
    const { kind, ends } = recordingKind();
    const m = manager({ kinds: { db: kind } });
    expect((await expectLatchkeyError(() => m.issue({ kind: 'db', ttlSeconds: 60, params: { bad: '1' } }), 'input')).message).toBe('bad parameter');
    const err = await expectLatchkeyError(() => m.issue({ kind: 'random', ttlSeconds: 60, params: {} }), 'input');
    expect(err.hint).toBe('use db');
    expect(ends).toEqual([]);
    expect(m.size).toBe(0);
  });
});
