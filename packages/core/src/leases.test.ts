import { describe, expect, it } from 'vitest';
import { LatchkeyError } from './errors.js';
import { bindTarget, leaseCapReached, leaseTerm, leaseVerdict, LeaseTable, type LeaseTerms, type ProcessAlive } from './leases.js';

const T0 = 1_900_000_000_000;
const POLICY = { defaultSeconds: 900, maxSeconds: 3600 };

function lease(id: string, over: Partial<LeaseTerms> = {}): LeaseTerms {
  return { leaseId: id, kind: 'random', issuedAt: T0, expiresAt: T0 + 60_000, boundPid: 0, binding: undefined, key: `key-${id}`, ...over };
}

/** A liveness check over a set of "pid@start" bindings, counting its calls. */
function processes(running: string[]): ProcessAlive & { calls: number } {
  const f = ((pid: number, binding: string | undefined) => {
    f.calls++;
    return running.includes(`${pid}@${binding ?? ''}`) || (binding === undefined && running.some((r) => r.startsWith(`${pid}@`)));
  }) as ProcessAlive & { calls: number };
  f.calls = 0;
  return f;
}

describe('leaseVerdict: the state of one lease at a time', () => {
  it.each<[string, Partial<LeaseTerms>, number, string[], string]>([
    ['unbound, before expiry', {}, T0 + 59_999, [], 'active'],
    ['unbound, at expiry', {}, T0 + 60_000, [], 'expired'],
    ['unbound, after expiry', {}, T0 + 3_600_000, [], 'expired'],
    ['bound, process running', { boundPid: 10, binding: '77' }, T0, ['10@77'], 'active'],
    ['bound, process gone', { boundPid: 10, binding: '77' }, T0, [], 'ended: process exited'],
    ['bound, pid reused by another process', { boundPid: 10, binding: '77' }, T0, ['10@78'], 'ended: process exited'],
    ['bound, expired while the process runs', { boundPid: 10, binding: '77' }, T0 + 60_000, ['10@77'], 'expired'],
    ['bound, expired and gone: expiry wins', { boundPid: 10, binding: '77' }, T0 + 60_000, [], 'expired'],
  ])('%s', (_, over, now, running, want) => {
    const v = leaseVerdict(lease('a', over), now, processes(running));
    expect(v ? `${v.end}${v.reason ? `: ${v.reason}` : ''}` : 'active').toBe(want);
  });

  it('does not probe the process of an expired lease', () => {
    const alive = processes([]);
    leaseVerdict(lease('a', { boundPid: 10 }), T0 + 60_000, alive);
    expect(alive.calls).toBe(0);
  });
});

describe('leaseTerm', () => {
  it.each<[number, number | string]>([
    [0, 900],
    [1, 1],
    [3600, 3600],
    [3601, 'ttl 1h1s is over the maximum of 1h'],
    [-5, 'a ttl of 0 is refused: every secret expires'],
    [1.5, 'a ttl of 0 is refused: every secret expires'],
  ])('ttl %j gives %j', (ttl, want) => {
    if (typeof want === 'number') {
      expect(leaseTerm(ttl, T0, POLICY)).toEqual({ ttlSeconds: want, expiresAt: T0 + want * 1000 });
    } else {
      expect(() => leaseTerm(ttl, T0, POLICY)).toThrow(want);
    }
  });
});

describe('bindTarget', () => {
  it.each<[number | undefined, number | undefined, number | string]>([
    [undefined, 4242, 0],
    [-1, 4242, 0],
    [0, 4242, 4242],
    [0, undefined, 0],
    [0, 0, 0],
    [77, 4242, 77],
    [1.5, 4242, 'bind pid must be a whole number'],
  ])('bind %j from caller %j is %j', (bind, caller, want) => {
    if (typeof want === 'number') expect(bindTarget(bind, caller)).toBe(want);
    else expect(() => bindTarget(bind, caller)).toThrow(want);
  });
});

describe('leaseCapReached', () => {
  const limits = { total: 3, perProcess: 2 };
  it.each<[number, number, number, string | undefined]>([
    [0, 0, 0, undefined],
    [2, 0, 0, undefined],
    [3, 0, 0, 'total'],
    [2, 1, 10, undefined],
    [2, 2, 10, 'perProcess'],
    [3, 2, 10, 'total'],
    [1, 5, 0, undefined], // an unbound lease counts against the total only
  ])('active %j, %j bound to the pid, binding to %j: %j', (active, forPid, pid, want) => {
    expect(leaseCapReached(active, forPid, pid, limits)).toBe(want);
  });
});

describe('LeaseTable', () => {
  it('indexes leases by id, key and bound process, and forgets a lease exactly once', () => {
    const t = new LeaseTable<LeaseTerms>();
    const a = lease('a', { boundPid: 10 });
    const b = lease('b', { boundPid: 10 });
    const c = lease('c');
    for (const l of [a, b, c]) t.add(l);
    expect(t.size).toBe(3);
    expect(t.get('b')).toBe(b);
    expect(t.withKey('key-c')).toBe(c);
    expect(t.boundTo(10)).toEqual([a, b]);
    expect(t.countBoundTo(10)).toBe(2);
    expect(t.anyBoundTo(10)).toBe(a);
    expect(t.anyBoundTo(11)).toBeUndefined();
    expect(t.remove(a)).toBe(true);
    expect(t.remove(a)).toBe(false);
    expect(t.withKey('key-a')).toBeUndefined();
    expect(t.boundTo(10)).toEqual([b]);
    expect(t.anyBoundTo(10)).toBe(b);
    expect(t.remove(b)).toBe(true);
    expect(t.countBoundTo(10)).toBe(0);
    expect(t.anyBoundTo(10)).toBeUndefined();
    expect(() => t.add(c)).toThrow('already held');
  });

  it('does not forget a newer lease that reuses a removed lease id', () => {
    const t = new LeaseTable<LeaseTerms>();
    const old = lease('a');
    t.add(old);
    t.remove(old);
    const fresh = lease('a', { key: 'key-new' });
    t.add(fresh);
    expect(t.remove(old)).toBe(false);
    expect(t.get('a')).toBe(fresh);
  });

  it('lists what is due at a time: expired leases, and bound leases of gone processes, one probe per binding', () => {
    const t = new LeaseTable<LeaseTerms>();
    t.add(lease('expired', { expiresAt: T0 + 1000 }));
    t.add(lease('fresh', { expiresAt: T0 + 9000 }));
    for (const id of ['gone1', 'gone2', 'gone3']) t.add(lease(id, { boundPid: 10, binding: '77', expiresAt: T0 + 9000 }));
    t.add(lease('reused', { boundPid: 11, binding: '5', expiresAt: T0 + 9000 }));
    t.add(lease('running', { boundPid: 12, binding: '6', expiresAt: T0 + 9000 }));
    t.add(lease('expiredBound', { boundPid: 10, binding: '77', expiresAt: T0 + 1000 }));
    const alive = processes(['11@99', '12@6']);
    const due = t.due(T0 + 1000, alive);
    expect(due.map((d) => `${d.lease.leaseId}:${d.verdict.end}`).sort()).toEqual(
      ['expired:expired', 'expiredBound:expired', 'gone1:ended', 'gone2:ended', 'gone3:ended', 'reused:ended'].sort(),
    );
    expect(alive.calls).toBe(3); // pids 10, 11 and 12, once each
    // nothing is removed by asking
    expect(t.size).toBe(8);
  });

  it('lists unexpired leases oldest first, ties by id', () => {
    const t = new LeaseTable<LeaseTerms>();
    t.add(lease('b', { issuedAt: T0 + 5 }));
    t.add(lease('z', { issuedAt: T0 }));
    t.add(lease('a', { issuedAt: T0 + 5 }));
    t.add(lease('old', { issuedAt: T0 - 70_000, expiresAt: T0 - 10_000 }));
    expect(t.unexpired(T0).map((l) => l.leaseId)).toEqual(['z', 'a', 'b']);
  });

  it('assertRoom throws the exhausted error with a hint at each cap', () => {
    const t = new LeaseTable<LeaseTerms>();
    const limits = { total: 2, perProcess: 1 };
    t.add(lease('a', { boundPid: 10 }));
    expect(() => t.assertRoom(11, limits)).not.toThrow();
    const perProcess = (() => {
      try {
        t.assertRoom(10, limits);
      } catch (err) {
        return err as LatchkeyError;
      }
    })();
    expect(perProcess?.kind).toBe('exhausted');
    expect(perProcess?.message).toBe('process 10 holds too many temporary keys (the most is 1)');
    t.add(lease('b'));
    expect(() => t.assertRoom(0, limits)).toThrow('too many temporary keys are active (2, the most is 2)');
  });
});
