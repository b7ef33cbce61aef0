// Temporary keys and their leases, held in the daemon's memory only: this file composes core's lease
// rules (LeaseTable, leaseVerdict, leaseTerm, bindTarget) with what only the daemon has: the kinds'
// minting and teardown (issuers/kinds.ts), the bound processes (lease-binding.ts, over /proc), the keyed
// fingerprints leases are found by (lease-fingerprints.ts), their audit records (lease-audit.ts) and the
// sweep timer (lease-sweep.ts).
//
// Expiry is judged against the injected clock whenever a lease is looked at (introspection, listing,
// revoke) and by one shared sweep timer; the sweep also polls bound processes. When a lease ends, its
// key is forgotten first (nothing here can answer "active" for it again), then its kind's teardown runs,
// then the end is audited.
import {
  bindTarget,
  DEFAULT_LEASE_LIMITS,
  inputError,
  isoTime,
  leaseTerm,
  leaseVerdict,
  LeaseTable,
  quote,
  unavailableError,
  type LeaseEnd,
  type LeaseLimits,
  type LeaseTerms,
  type LeaseVerdict,
  type TtlPolicy,
} from '@latchkey/core';
import type { IssuedKey, LeaseInfo, LeaseIntrospection } from '@latchkey/protocol';
import type { AuditSink, Peer } from './audit.js';
import type { Logger } from './log.js';
import { SortedKeys, takePage, type Page, type PageRequest } from './paging.js';
import { DEFAULT_LEASE_KINDS, type LeaseKind, type Minted } from './issuers/kinds.js';
import { leaseAuditEvent, type AuditedLease } from './lease-audit.js';
import { ProcessBindings } from './lease-binding.js';
import { KeyFingerprints, newLeaseId, shortFingerprint } from './lease-fingerprints.js';
import { AtMostEvery, SweepTimer } from './lease-sweep.js';

export type { LeaseKind, Minted, MintInput } from './issuers/kinds.js';

export interface LeaseManagerDeps {
  clock: () => number;
  audit: AuditSink;
  log: Logger;
  /** Default and maximum TTL of a temporary key. */
  ttl: TtlPolicy;
  /**
   * Whether a bound process still runs. Default: proc.ts's processAlive, which also checks that the
   * process is no zombie and that its start time is the one seen at binding.
   */
  isAlive?: (pid: number) => boolean;
  /** Caps on active leases (default DEFAULT_LEASE_LIMITS). */
  limits?: LeaseLimits;
  /** How often bound processes and expiries are polled, in ms (default 250). */
  pollMs?: number;
  /** The kinds of temporary key served, by name (default random and jwt). */
  kinds?: Readonly<Record<string, LeaseKind>>;
  /**
   * Reads a stored secret a kind mints from (a jwt's signer): the service's audited read, with the scope
   * the caller has from `use.cwd`, recorded as a use with `use.fields` (the variable and manifest it is for).
   */
  readSigner: (name: string, peer: Peer | undefined, use: SignerUse) => Promise<string>;
  /** Told when a key is served or a lease ends (the scanner looks for the keys of the leases in force); optional. */
  onKeysChanged?: () => void;
}

/** Where a signer is used from: the caller's working directory and what to add to its audit record. */
export interface SignerUse {
  cwd: string;
  fields?: Record<string, unknown>;
}

export interface IssueRequest {
  kind: string;
  /** 0 means the policy's default; over the maximum is refused. */
  ttlSeconds: number;
  params: Record<string, string>;
  /**
   * The process the lease ends with, with the proto's meaning: a positive pid binds to that process,
   * 0 binds to the calling process (`peer.pid`; unbound when there is no peer), negative or absent
   * binds to none.
   */
  bindPid?: number;
  /** For a jwt: where the signer is used from (its scope and audit); the root scope only when absent. */
  signerUse?: SignerUse;
}

interface Lease extends LeaseTerms, AuditedLease {
  peer: Peer | undefined;
  minted: Minted;
}

const INACTIVE: LeaseIntrospection = Object.freeze({ active: false, leaseId: '', expiresAt: 0, kind: '' });

/** How many times a key is minted again when it matches an active one (tiny key spaces only). */
const MINT_ATTEMPTS = 8;

/** Where a page of leases ends: the issue time and id of its last lease. */
export interface LeaseCursor {
  issuedAt: number;
  leaseId: string;
}

/** Oldest first, ties by id (the order of LeaseTable.unexpired). */
export function compareLeaseCursors(a: LeaseCursor, b: LeaseCursor): number {
  return a.issuedAt - b.issuedAt || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0);
}

/** Holds temporary keys in memory and ends their leases. */
export class LeaseManager {
  private readonly fingerprints = new KeyFingerprints();
  private readonly table = new LeaseTable<Lease>();
  private readonly order = new SortedKeys<LeaseCursor>(
    () => this.table.keysVersion,
    () => this.table.all().map((l) => ({ issuedAt: l.issuedAt, leaseId: l.leaseId })),
    compareLeaseCursors,
  );
  private readonly kinds: Readonly<Record<string, LeaseKind>>;
  private readonly limits: LeaseLimits;
  private readonly processes: ProcessBindings;
  private readonly timer: SweepTimer;
  /** At a cap, at most one sweep per poll period (SECURITY 43). */
  private readonly capSweeps: AtMostEvery;
  private closed = false;

  constructor(private readonly deps: LeaseManagerDeps) {
    const pollMs = deps.pollMs ?? 250;
    this.kinds = deps.kinds ?? DEFAULT_LEASE_KINDS;
    this.limits = deps.limits ?? DEFAULT_LEASE_LIMITS;
    this.processes = new ProcessBindings(deps.log, deps.isAlive);
    this.timer = new SweepTimer(() => this.sweep(), pollMs, deps.log);
    this.capSweeps = new AtMostEvery(pollMs, deps.clock);
  }

  /** The names of the kinds served. */
  kindNames(): string[] {
    return Object.keys(this.kinds);
  }

  /** Mints a key of `req.kind` under a new lease. The issue is audited before the key is returned. */
  async issue(req: IssueRequest, peer?: Peer): Promise<IssuedKey> {
    if (this.closed) throw unavailableError('the lease manager is closed', 'start the daemon again');
    const kind = Object.hasOwn(this.kinds, req.kind) ? this.kinds[req.kind] : undefined;
    if (!kind) {
      throw inputError(`unknown temporary key kind ${quote(String(req.kind))}`, `use ${this.kindNames().join(' or ')}`);
    }
    const params = req.params ?? {};
    kind.check(params);
    // Checked before any probe or read; the expiry is set again from the issue time below.
    const { ttlSeconds } = leaseTerm(req.ttlSeconds, 0, this.deps.ttl);

    const boundPid = bindTarget(req.bindPid, peer?.pid);
    await this.checkLimits(boundPid);
    const { binding, boundExe } = this.processes.bind(boundPid, peer, boundPid > 0 ? this.table.anyBoundTo(boundPid) : undefined);

    const secretName = kind.secretParam !== undefined ? params[kind.secretParam] : undefined;
    const secret = secretName !== undefined ? { param: kind.secretParam as string, name: secretName } : undefined;
    const secretValue = secretName !== undefined ? await this.deps.readSigner(secretName, peer, req.signerUse ?? { cwd: '' }) : undefined;
    if (this.closed) throw unavailableError('the lease manager is closed', 'start the daemon again');

    const leaseId = newLeaseId((id) => this.table.has(id));
    const issuedAt = this.deps.clock();
    const { expiresAt } = leaseTerm(ttlSeconds, issuedAt, this.deps.ttl);
    const use = req.signerUse ?? { cwd: '' };
    let minted: Minted;
    let mac: string;
    for (let attempt = 0; ; attempt++) {
      minted = await kind.mint({ params, ttlSeconds, leaseId, issuedAt, secret: secretValue, expiresAt, boundPid, binding, peer, cwd: use.cwd, fields: use.fields });
      mac = this.fingerprints.of(minted.value);
      const clash = this.table.withKey(mac);
      if (!clash || !this.checkLive(clash)) break;
      await this.teardown(kind, minted, 'abandoned', leaseId);
      if (attempt + 1 >= MINT_ATTEMPTS) {
        throw inputError('no key unlike the active ones could be minted: the key space is too small', 'ask for more bytes');
      }
    }

    const lease: Lease = {
      leaseId,
      kind: req.kind,
      issuedAt,
      expiresAt,
      boundPid,
      boundExe,
      binding,
      key: mac,
      fingerprint: shortFingerprint(mac),
      peer,
      secret,
      minted,
    };
    // Issues that passed the first check together (a jwt waits for its signer) must not overshoot.
    try {
      this.table.assertRoom(boundPid, this.limits);
    } catch (err) {
      await this.teardown(kind, minted, 'abandoned', leaseId);
      throw err;
    }
    // Register before the audit write so a concurrent mint cannot take the same value; undo if the
    // audit fails (the key is then never served).
    this.add(lease);
    try {
      await this.deps.audit.write({
        ...leaseAuditEvent(lease, 'issued', peer),
        ttlSeconds,
        expiresAt: isoTime(expiresAt),
      });
    } catch (err) {
      if (this.forget(lease)) await this.teardown(kind, minted, 'abandoned', leaseId);
      throw err;
    }
    if (this.closed || !this.table.has(leaseId)) {
      // closed, or ended by a sweep while the audit was written: the key is not served
      if (this.forget(lease)) await this.teardown(kind, minted, 'abandoned', leaseId);
      throw unavailableError('the lease ended before its key could be served', 'ask for a new key');
    }
    this.deps.onKeysChanged?.();
    return { value: minted.value, leaseId, expiresAt };
  }

  /** Ends a lease now. False when no such lease is active (unknown, already ended or expired). */
  async revoke(leaseId: string, peer?: Peer): Promise<boolean> {
    const lease = this.table.get(leaseId);
    if (!lease) return false;
    if (!this.checkLive(lease)) return false;
    await this.end(lease, 'revoked', peer);
    return true;
  }

  /**
   * Whether `value` is an active temporary key (RFC 7662 style). Inactive, unknown, expired or ended
   * keys answer `{active: false, leaseId: '', expiresAt: 0, kind: ''}`.
   */
  introspect(value: string): LeaseIntrospection {
    if (typeof value !== 'string' || value === '') return { ...INACTIVE };
    const lease = this.table.withKey(this.fingerprints.of(value));
    if (!lease || !this.checkLive(lease)) return { ...INACTIVE };
    return { active: true, leaseId: lease.leaseId, expiresAt: lease.expiresAt, kind: lease.kind };
  }

  /** The value of every lease in the table (the scanner looks for them), with its lease and kind. */
  liveKeys(): Array<{ leaseId: string; kind: string; value: string }> {
    return this.table.all().map((l) => ({ leaseId: l.leaseId, kind: l.kind, value: l.minted.value }));
  }

  /** The active leases, oldest first (metadata only). */
  list(): LeaseInfo[] {
    return this.listPage({ after: undefined, pageSize: 0 }, (l) => l, () => 0, Number.MAX_SAFE_INTEGER).items;
  }

  /**
   * One page of the active leases, oldest first, after `req.after`; `sizeOf` is an entry's encoded size.
   * An expired lease met on the way is ended in the background and left out.
   */
  listPage<T>(req: PageRequest<LeaseCursor>, toItem: (lease: LeaseInfo) => T, sizeOf: (item: T) => number, maxItems?: number): Page<T, LeaseCursor> {
    const now = this.deps.clock();
    return takePage(
      this.order.all(),
      compareLeaseCursors,
      req,
      (c) => {
        const lease = this.table.get(c.leaseId);
        if (!lease) return undefined;
        if (now >= lease.expiresAt) {
          this.endInBackground(lease, { end: 'expired' });
          return undefined;
        }
        return toItem({
          leaseId: lease.leaseId,
          kind: lease.kind,
          issuedAt: lease.issuedAt,
          expiresAt: lease.expiresAt,
          boundPid: lease.boundPid,
          boundExe: lease.boundExe,
          fingerprint: lease.fingerprint,
          state: '',
        });
      },
      sizeOf,
      maxItems,
    );
  }

  /** Ends every lease bound to `pid` (its process exited); returns how many ended. */
  async endAllFor(pid: number): Promise<number> {
    const leases = this.table.boundTo(pid);
    await Promise.all(leases.map((l) => this.end(l, 'ended', undefined, 'process exited')));
    return leases.length;
  }

  /**
   * Refuses a new lease past the caps (RESOURCE_EXHAUSTED). At a cap, leases that ended but were not
   * swept yet are swept first, so only leases really active count; but once per `pollMs` at most.
   */
  private async checkLimits(boundPid: number): Promise<void> {
    if (this.table.capReached(boundPid, this.limits) === undefined) return;
    if (this.capSweeps.take()) await this.sweep();
    this.table.assertRoom(boundPid, this.limits);
  }

  /**
   * Ends expired leases and leases whose process has exited. Runs every `pollMs` while any lease is
   * active; exposed for tests and for a caller that wants an immediate pass.
   */
  async sweep(): Promise<void> {
    // Overlapping sweeps are harmless: a lease is forgotten synchronously, so only one pass ends it.
    const due = this.table.due(this.deps.clock(), this.processes.alive);
    await Promise.all(due.map(({ lease, verdict }) => this.end(lease, verdict.end, undefined, verdict.reason)));
  }

  /** How many leases are active (expired ones not yet swept included). */
  get size(): number {
    return this.table.size;
  }

  /**
   * Stops the timer and ends every lease (their keys die with the daemon); each end is audited as
   * `ended` with reason `daemon stopped`, best effort. New issues are refused afterwards.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.timer.stop();
    await Promise.all(this.table.all().map((l) => this.end(l, 'ended', undefined, 'daemon stopped')));
  }

  // --- internals ---

  /** Whether a lease is still good now; ends it (in the background) when it is not. */
  private checkLive(lease: Lease): boolean {
    const verdict = leaseVerdict(lease, this.deps.clock(), this.processes.alive);
    if (!verdict) return true;
    this.endInBackground(lease, verdict);
    return false;
  }

  private add(lease: Lease): void {
    this.table.add(lease);
    if (!this.closed) this.timer.start();
  }

  /** Forgets a lease; true when it was still held (so exactly one caller ends it). */
  private forget(lease: Lease): boolean {
    if (!this.table.remove(lease)) return false;
    this.deps.onKeysChanged?.();
    if (this.table.size === 0) this.timer.stop();
    return true;
  }

  /** Runs a kind's teardown of what it minted; a failure is logged and reported as false, never thrown. */
  private async teardown(kind: LeaseKind | undefined, minted: Minted, how: LeaseEnd | 'abandoned', leaseId: string): Promise<boolean> {
    if (!kind?.end) return true;
    try {
      await kind.end(minted, how);
      return true;
    } catch (err) {
      this.deps.log.error(`teardown of the ${how} lease ${leaseId} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** Ends a lease: forgets it first, then its kind's teardown, then audits the end (best effort: an end is never undone). */
  private async end(lease: Lease, outcome: LeaseEnd, peer?: Peer, reason?: string): Promise<void> {
    if (!this.forget(lease)) return;
    const kind = Object.hasOwn(this.kinds, lease.kind) ? this.kinds[lease.kind] : undefined;
    const tornDown = await this.teardown(kind, lease.minted, outcome, lease.leaseId);
    const event = leaseAuditEvent(lease, outcome, peer ?? lease.peer);
    if (reason) event.reason = reason;
    if (!tornDown) event.teardown = 'failed';
    try {
      await this.deps.audit.write(event);
    } catch (err) {
      this.deps.log.error(`audit record lost for the ${outcome} lease ${lease.leaseId}: ${(err as Error).message}`);
    }
  }

  private endInBackground(lease: Lease, verdict: LeaseVerdict): void {
    void this.end(lease, verdict.end, undefined, verdict.reason);
  }
}
