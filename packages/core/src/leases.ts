// The lease rules: when a temporary key's lease is active and what ends it, where it is bound, how many
// may be active, and the table that holds them. Pure: the clock and the process liveness check come in
// as arguments; minting, fingerprints, audit, timers and /proc belong to the daemon, which composes this.
//
// A lease is active from its issue until exactly one of these ends it, whichever comes first:
//   revoked  someone asked (agent revoke)
//   expired  the clock reached its expiry (judged at every look, not only by the sweep)
//   ended    the process it is bound to exited, or the daemon stopped
// An ended lease never becomes active again: the table forgets it synchronously, so one caller ends it.
import { exhaustedError, inputError } from './errors.js';
import type { LeaseLimits } from './config.js';
import { checkTtl, type TtlPolicy } from './ttl.js';

/** How a lease ended. */
export type LeaseEnd = 'revoked' | 'expired' | 'ended';

/** What the table needs to know of a lease; the daemon's lease adds what it mints and audits. */
export interface LeaseTerms {
  readonly leaseId: string;
  readonly kind: string;
  /** Unix ms. */
  readonly issuedAt: number;
  /** Unix ms; the lease is expired from this instant on. */
  readonly expiresAt: number;
  /** The process the lease ends with; 0 for none. */
  readonly boundPid: number;
  /** What identified that process at binding (its start time), so a reused pid does not keep a lease alive. */
  readonly binding: string | undefined;
  /** The lookup key of the lease's value (the daemon's keyed fingerprint); never the value itself. */
  readonly key: string;
}

/** Whether the process `pid`, identified at binding by `binding`, still runs. */
export type ProcessAlive = (pid: number, binding: string | undefined) => boolean;

/** Why a lease is no longer active now, or undefined when it is. */
export interface LeaseVerdict {
  end: Exclude<LeaseEnd, 'revoked'>;
  reason?: 'process exited';
}

const EXPIRED: LeaseVerdict = Object.freeze({ end: 'expired' });
const EXITED: LeaseVerdict = Object.freeze({ end: 'ended', reason: 'process exited' });

/** The verdict on one lease at `now`: expiry first (it needs no probe), then its bound process. */
export function leaseVerdict(lease: LeaseTerms, now: number, alive: ProcessAlive): LeaseVerdict | undefined {
  if (now >= lease.expiresAt) return EXPIRED;
  if (lease.boundPid > 0 && !alive(lease.boundPid, lease.binding)) return EXITED;
  return undefined;
}

/** A lease's TTL under the policy (0 means the default) and its expiry when issued at `issuedAt`. */
export function leaseTerm(ttlSeconds: number, issuedAt: number, policy: TtlPolicy): { ttlSeconds: number; expiresAt: number } {
  const ttl = checkTtl(ttlSeconds === 0 ? policy.defaultSeconds : ttlSeconds, policy);
  return { ttlSeconds: ttl, expiresAt: issuedAt + ttl * 1000 };
}

/**
 * The process a lease is bound to, with the proto's meaning: a positive pid binds to that process, 0 to
 * the caller (`callerPid`; unbound when it is unknown), negative or absent to none. 0 in the result means none.
 */
export function bindTarget(bindPid: number | undefined, callerPid: number | undefined): number {
  if (bindPid === undefined || bindPid < 0) return 0;
  if (!Number.isInteger(bindPid)) throw inputError('bind pid must be a whole number');
  if (bindPid === 0) return callerPid !== undefined && callerPid > 0 ? callerPid : 0;
  return bindPid;
}

/** The cap a new lease bound to `boundPid` would pass, or undefined when there is room. */
export function leaseCapReached(active: number, activeForPid: number, boundPid: number, limits: LeaseLimits): 'total' | 'perProcess' | undefined {
  if (active >= limits.total) return 'total';
  if (boundPid > 0 && activeForPid >= limits.perProcess) return 'perProcess';
  return undefined;
}

/** A lease that is due to end, and how. */
export interface DueLease<L> {
  lease: L;
  verdict: LeaseVerdict;
}

/**
 * The active leases, indexed by id, by key and by bound process. It holds no timers and reads no clock:
 * every question that depends on time takes `now`.
 */
export class LeaseTable<L extends LeaseTerms> {
  private readonly byId = new Map<string, L>();
  private readonly byKey = new Map<string, L>();
  private readonly byPid = new Map<number, Set<L>>();
  private version = 0;

  /** Moves on every add and remove, so an index of the ids knows when to rebuild. */
  get keysVersion(): number {
    return this.version;
  }

  /** How many leases are held (expired ones not yet ended included). */
  get size(): number {
    return this.byId.size;
  }

  has(leaseId: string): boolean {
    return this.byId.has(leaseId);
  }

  get(leaseId: string): L | undefined {
    return this.byId.get(leaseId);
  }

  /** The lease whose value has this key. */
  withKey(key: string): L | undefined {
    return this.byKey.get(key);
  }

  /** The leases bound to `pid`. */
  boundTo(pid: number): L[] {
    return [...(this.byPid.get(pid) ?? [])];
  }

  /** One lease bound to `pid` (the oldest still held), without copying the others. */
  anyBoundTo(pid: number): L | undefined {
    return this.byPid.get(pid)?.values().next().value;
  }

  /** How many leases are bound to `pid`. */
  countBoundTo(pid: number): number {
    return this.byPid.get(pid)?.size ?? 0;
  }

  /** Every lease held, in no particular order. */
  all(): L[] {
    return [...this.byId.values()];
  }

  add(lease: L): void {
    if (this.byId.has(lease.leaseId)) throw new Error(`lease ${lease.leaseId} is already held`);
    this.byId.set(lease.leaseId, lease);
    this.version++;
    this.byKey.set(lease.key, lease);
    if (lease.boundPid > 0) {
      let set = this.byPid.get(lease.boundPid);
      if (!set) this.byPid.set(lease.boundPid, (set = new Set()));
      set.add(lease);
    }
  }

  /** Forgets a lease; true when it was still held (so exactly one caller ends it). */
  remove(lease: L): boolean {
    if (this.byId.get(lease.leaseId) !== lease) return false;
    this.byId.delete(lease.leaseId);
    this.version++;
    if (this.byKey.get(lease.key) === lease) this.byKey.delete(lease.key);
    const set = this.byPid.get(lease.boundPid);
    if (set) {
      set.delete(lease);
      if (set.size === 0) this.byPid.delete(lease.boundPid);
    }
    return true;
  }

  /** The cap a new lease bound to `boundPid` would pass now, or undefined. */
  capReached(boundPid: number, limits: LeaseLimits): 'total' | 'perProcess' | undefined {
    return leaseCapReached(this.byId.size, boundPid > 0 ? this.countBoundTo(boundPid) : 0, boundPid, limits);
  }

  /** Throws the cap's error (exhausted, with a hint) when a new lease bound to `boundPid` would pass a cap. */
  assertRoom(boundPid: number, limits: LeaseLimits): void {
    const cap = this.capReached(boundPid, limits);
    if (cap === 'total') {
      throw exhaustedError(`too many temporary keys are active (${this.byId.size}, the most is ${limits.total})`, 'revoke leases you no longer need (agent leases, agent revoke), or raise maxLeases in config.json');
    }
    if (cap === 'perProcess') {
      throw exhaustedError(`process ${boundPid} holds too many temporary keys (the most is ${limits.perProcess})`, 'revoke leases it no longer needs, or raise maxLeasesPerProcess in config.json');
    }
  }

  /**
   * The leases due to end at `now`: expired ones, and those whose bound process is gone. The liveness
   * check runs once per distinct binding (pid and start time), not once per lease, and never for a
   * lease that is expired anyway.
   */
  due(now: number, alive: ProcessAlive): DueLease<L>[] {
    const out: DueLease<L>[] = [];
    for (const lease of this.byId.values()) {
      if (now >= lease.expiresAt) out.push({ lease, verdict: EXPIRED });
    }
    for (const [pid, leases] of this.byPid) {
      const verdicts = new Map<string | undefined, boolean>();
      for (const lease of leases) {
        if (now >= lease.expiresAt) continue;
        let up = verdicts.get(lease.binding);
        if (up === undefined) {
          up = alive(pid, lease.binding);
          verdicts.set(lease.binding, up);
        }
        if (!up) out.push({ lease, verdict: EXITED });
      }
    }
    return out;
  }

  /** The leases not expired at `now`, oldest first (ties by id); no liveness check. */
  unexpired(now: number): L[] {
    return [...this.byId.values()]
      .filter((l) => now < l.expiresAt)
      .sort((a, b) => a.issuedAt - b.issuedAt || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
  }
}
