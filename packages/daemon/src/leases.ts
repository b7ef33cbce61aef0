// Temporary keys and their leases, held in the daemon's memory only.
//
// A lease ends at its TTL, on revoke, or when the process it is bound to exits, whichever comes first.
// Expiry is judged against the injected clock whenever a lease is looked at (introspection, listing,
// revoke) and by one shared sweep timer; the sweep also polls bound processes. When a lease ends, its
// key is forgotten: nothing here can answer "active" for it again.
//
// Keys are never map keys: leases are indexed by a keyed fingerprint (HMAC-SHA256 under a random
// per-daemon key) of the value, and the value itself is dropped as soon as it is returned to the caller.
// Audit records carry the first 16 hex characters of that fingerprint, the same as `list()` shows.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkTtl, DEFAULT_LEASE_LIMITS, exhaustedError, inputError, quote, unavailableError, type LeaseLimits, type TtlPolicy } from '@latchkey/core';
import type { AuditEvent, AuditSink, Peer } from './audit.js';
import type { Logger } from './log.js';
import { peerExecutable } from './native.js';
import { checkJwtParams, issueJwt } from './issuers/jwt.js';
import { checkRandomParams, issueRandom } from './issuers/random.js';

/** The kinds of temporary key. */
export const TEMP_KEY_KINDS = ['random', 'jwt'] as const;
export type TempKeyKind = (typeof TEMP_KEY_KINDS)[number];

export interface LeaseManagerDeps {
  clock: () => number;
  audit: AuditSink;
  log: Logger;
  /** Default and maximum TTL of a temporary key. */
  ttl: TtlPolicy;
  /**
   * Whether a bound process still runs. Default: `process.kill(pid, 0)` plus, on Linux, a check that
   * the process is not a zombie and that its start time in /proc/<pid>/stat is the one seen at binding
   * (so a reused pid does not keep a lease alive).
   */
  isAlive?: (pid: number) => boolean;
  /** Caps on active leases (default DEFAULT_LEASE_LIMITS). */
  limits?: LeaseLimits;
  /** How often bound processes and expiries are polled, in ms (default 250). */
  pollMs?: number;
  /**
   * Reads a signer's value for a jwt: the service's audited read, with the scope the caller has from
   * `use.cwd`, recorded as a use of the signer with `use.fields` (the variable and manifest it signs for).
   */
  readSigner: (name: string, peer: Peer | undefined, use: SignerUse) => Promise<string>;
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

export interface IssuedKey {
  value: string;
  leaseId: string;
  /** Unix ms. */
  expiresAt: number;
}

export interface LeaseIntrospection {
  active: boolean;
  leaseId: string;
  expiresAt: number;
  kind: string;
}

/** A lease's metadata; never the key. */
export interface LeaseInfo {
  leaseId: string;
  kind: string;
  issuedAt: number;
  expiresAt: number;
  /** 0 when the lease is bound to no process. */
  boundPid: number;
  boundExe: string;
  /** The first 16 hex characters of the key's keyed fingerprint, as in audit records. */
  fingerprint: string;
}

interface Lease {
  leaseId: string;
  kind: TempKeyKind;
  issuedAt: number;
  expiresAt: number;
  boundPid: number;
  boundExe: string;
  /** /proc start time of the bound process at binding (default liveness check only). */
  boundStart: string | undefined;
  /** Full HMAC hex; the index key. */
  mac: string;
  fingerprint: string;
  peer: Peer | undefined;
  signer: string | undefined;
}

type EndOutcome = 'revoked' | 'expired' | 'ended';

const INACTIVE: LeaseIntrospection = Object.freeze({ active: false, leaseId: '', expiresAt: 0, kind: '' });

/** How many times a random key is minted again when it matches an active one (tiny key spaces only). */
const MINT_ATTEMPTS = 8;

/** The state and start time (clock ticks since boot) of a process from /proc/<pid>/stat, or undefined. */
export function readProcessStat(pid: number): { state: string; startTime: string } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19]; // field 22 of stat(5); fields[0] is field 3
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}

/** Whether a process with this pid exists (EPERM means it exists under another user). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The default liveness check: the pid exists, is no zombie, and (when /proc answers) started when it did at binding. */
function defaultAlive(pid: number, boundStart: string | undefined): boolean {
  if (!pidExists(pid)) return false;
  const stat = readProcessStat(pid);
  if (!stat) return boundStart === undefined; // no /proc (not Linux): trust kill(0); /proc gone since binding: exited
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return boundStart === undefined || stat.startTime === boundStart;
}

/** Holds temporary keys in memory and ends their leases. */
export class LeaseManager {
  private readonly macKey = randomBytes(32);
  private readonly byId = new Map<string, Lease>();
  private readonly byMac = new Map<string, Lease>();
  private readonly byPid = new Map<number, Set<Lease>>();
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastCapSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: LeaseManagerDeps) {
    this.pollMs = deps.pollMs ?? 250;
  }

  /** Mints a key of `req.kind` under a new lease. The issue is audited before the key is returned. */
  async issue(req: IssueRequest, peer?: Peer): Promise<IssuedKey> {
    if (this.closed) throw unavailableError('the lease manager is closed', 'start the daemon again');
    const kind = req.kind as TempKeyKind;
    if (!TEMP_KEY_KINDS.includes(kind)) {
      throw inputError(`unknown temporary key kind ${quote(String(req.kind))}`, 'use random or jwt');
    }
    const params = req.params ?? {};
    if (kind === 'random') checkRandomParams(params);
    else checkJwtParams(params);
    const ttlSeconds = checkTtl(req.ttlSeconds === 0 ? this.deps.ttl.defaultSeconds : req.ttlSeconds, this.deps.ttl);

    const boundPid = this.bindTarget(req.bindPid, peer);
    await this.checkLimits(boundPid);
    let boundStart: string | undefined;
    let boundExe = '';
    // A process already holding leases was checked when it got them and is watched by the sweep:
    // reuse what was read then instead of reading /proc again on every issue.
    const sibling = boundPid > 0 ? this.byPid.get(boundPid)?.values().next().value : undefined;
    if (sibling) {
      boundStart = sibling.boundStart;
      boundExe = sibling.boundExe;
    } else if (boundPid > 0) {
      boundStart = this.deps.isAlive ? undefined : readProcessStat(boundPid)?.startTime;
      if (!this.alive(boundPid, boundStart)) {
        throw inputError(`process ${boundPid} is not running: a lease cannot be bound to it`, 'bind the lease to a running process, or to none');
      }
      boundExe = (peer?.pid === boundPid ? peer.exe : undefined) ?? peerExecutable(boundPid) ?? '';
    }

    const signer = kind === 'jwt' ? (params.signer as string) : undefined;
    const signerValue = signer !== undefined ? await this.deps.readSigner(signer, peer, req.signerUse ?? { cwd: '' }) : undefined;
    if (this.closed) throw unavailableError('the lease manager is closed', 'start the daemon again');

    const leaseId = this.newLeaseId();
    const issuedAt = this.deps.clock();
    const expiresAt = issuedAt + ttlSeconds * 1000;
    let value = '';
    let mac = '';
    for (let attempt = 0; ; attempt++) {
      value = kind === 'random' ? issueRandom(params) : await issueJwt(params, signerValue as string, ttlSeconds, leaseId, issuedAt);
      mac = this.mac(value);
      const clash = this.byMac.get(mac);
      if (!clash || !this.checkLive(clash)) break;
      if (attempt + 1 >= MINT_ATTEMPTS) {
        throw inputError('no key unlike the active ones could be minted: the key space is too small', 'ask for more bytes');
      }
    }

    const lease: Lease = {
      leaseId,
      kind,
      issuedAt,
      expiresAt,
      boundPid,
      boundExe,
      boundStart,
      mac,
      fingerprint: mac.slice(0, 16),
      peer,
      signer,
    };
    // Issues that passed the first check together (a jwt waits for its signer) must not overshoot.
    this.assertRoom(boundPid);
    // Register before the audit write so a concurrent mint cannot take the same value; undo if the
    // audit fails (the key is then never served).
    this.add(lease);
    try {
      await this.deps.audit.write({
        ...this.auditOf(lease, 'issued', peer),
        ttlSeconds,
        expiresAt: new Date(expiresAt).toISOString(),
      });
    } catch (err) {
      this.remove(lease);
      throw err;
    }
    if (this.closed || !this.byId.has(leaseId)) {
      // closed, or ended by a sweep while the audit was written: the key is not served
      this.remove(lease);
      throw unavailableError('the lease ended before its key could be served', 'ask for a new key');
    }
    return { value, leaseId, expiresAt };
  }

  /** Ends a lease now. False when no such lease is active (unknown, already ended or expired). */
  async revoke(leaseId: string, peer?: Peer): Promise<boolean> {
    const lease = this.byId.get(leaseId);
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
    const lease = this.byMac.get(this.mac(value));
    if (!lease || !this.checkLive(lease)) return { ...INACTIVE };
    return { active: true, leaseId: lease.leaseId, expiresAt: lease.expiresAt, kind: lease.kind };
  }

  /** The active leases, oldest first (metadata only). */
  list(): LeaseInfo[] {
    const now = this.deps.clock();
    const out: LeaseInfo[] = [];
    for (const lease of [...this.byId.values()]) {
      if (now >= lease.expiresAt) {
        this.endInBackground(lease, 'expired');
        continue;
      }
      out.push({
        leaseId: lease.leaseId,
        kind: lease.kind,
        issuedAt: lease.issuedAt,
        expiresAt: lease.expiresAt,
        boundPid: lease.boundPid,
        boundExe: lease.boundExe,
        fingerprint: lease.fingerprint,
      });
    }
    return out.sort((a, b) => a.issuedAt - b.issuedAt || (a.leaseId < b.leaseId ? -1 : 1));
  }

  /** Ends every lease bound to `pid` (its process exited); returns how many ended. */
  async endAllFor(pid: number): Promise<number> {
    const leases = [...(this.byPid.get(pid) ?? [])];
    await Promise.all(leases.map((l) => this.end(l, 'ended', undefined, 'process exited')));
    return leases.length;
  }

  /**
   * Refuses a new lease past the caps (RESOURCE_EXHAUSTED). At a cap, leases that ended but were not
   * swept yet are swept first, so only leases really active count; but once per `pollMs` at most: a
   * sweep walks every lease, and a client hammering at the cap must not buy one with every refusal.
   */
  private async checkLimits(boundPid: number): Promise<void> {
    if (!this.overLimit(boundPid)) return;
    const now = this.deps.clock();
    if (now - this.lastCapSweep >= this.pollMs) {
      this.lastCapSweep = now;
      await this.sweep();
    }
    this.assertRoom(boundPid);
  }

  private overLimit(boundPid: number): boolean {
    const limits = this.deps.limits ?? DEFAULT_LEASE_LIMITS;
    return this.byId.size >= limits.total || (boundPid > 0 && (this.byPid.get(boundPid)?.size ?? 0) >= limits.perProcess);
  }

  /** Throws the cap's error when a new lease bound to `boundPid` would go past a cap now. */
  private assertRoom(boundPid: number): void {
    const limits = this.deps.limits ?? DEFAULT_LEASE_LIMITS;
    if (this.byId.size >= limits.total) {
      throw exhaustedError(`too many temporary keys are active (${this.byId.size}, the most is ${limits.total})`, 'revoke leases you no longer need (agent leases, agent revoke), or raise maxLeases in config.json');
    }
    if (boundPid > 0 && (this.byPid.get(boundPid)?.size ?? 0) >= limits.perProcess) {
      throw exhaustedError(`process ${boundPid} holds too many temporary keys (the most is ${limits.perProcess})`, 'revoke leases it no longer needs, or raise maxLeasesPerProcess in config.json');
    }
  }

  /**
   * Ends expired leases and leases whose process has exited. Runs every `pollMs` while any lease is
   * active; exposed for tests and for a caller that wants an immediate pass.
   */
  async sweep(): Promise<void> {
    // Overlapping sweeps are harmless: a lease is forgotten synchronously, so only one pass ends it.
    const now = this.deps.clock();
    const ending: Promise<void>[] = [];
    for (const lease of [...this.byId.values()]) {
      if (now >= lease.expiresAt) ending.push(this.end(lease, 'expired'));
    }
    for (const [pid, leases] of [...this.byPid]) {
      // One liveness check per distinct binding (pid and start time), not per lease.
      const verdicts = new Map<string | undefined, boolean>();
      for (const lease of [...leases]) {
        let alive = verdicts.get(lease.boundStart);
        if (alive === undefined) {
          alive = this.alive(pid, lease.boundStart);
          verdicts.set(lease.boundStart, alive);
        }
        if (!alive) ending.push(this.end(lease, 'ended', undefined, 'process exited'));
      }
    }
    await Promise.all(ending);
  }

  /** How many leases are active (expired ones not yet swept included). */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Stops the timer and ends every lease (their keys die with the daemon); each end is audited as
   * `ended` with reason `daemon stopped`, best effort. New issues are refused afterwards.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimer();
    const leases = [...this.byId.values()];
    await Promise.all(leases.map((l) => this.end(l, 'ended', undefined, 'daemon stopped')));
  }

  // --- internals ---

  private bindTarget(bindPid: number | undefined, peer: Peer | undefined): number {
    if (bindPid === undefined || bindPid < 0) return 0;
    if (!Number.isInteger(bindPid)) throw inputError('bind pid must be a whole number');
    if (bindPid === 0) return peer && peer.pid > 0 ? peer.pid : 0;
    return bindPid;
  }

  private alive(pid: number, boundStart: string | undefined): boolean {
    try {
      return this.deps.isAlive ? this.deps.isAlive(pid) : defaultAlive(pid, boundStart);
    } catch (err) {
      this.deps.log.warn(`liveness check of process ${pid} failed: ${(err as Error).message}`);
      return true; // a failing probe does not end a lease; its TTL still does
    }
  }

  /** Whether a lease is still good now; ends it (in the background) when it is not. */
  private checkLive(lease: Lease): boolean {
    if (this.deps.clock() >= lease.expiresAt) {
      this.endInBackground(lease, 'expired');
      return false;
    }
    if (lease.boundPid > 0 && !this.alive(lease.boundPid, lease.boundStart)) {
      this.endInBackground(lease, 'ended', 'process exited');
      return false;
    }
    return true;
  }

  private mac(value: string): string {
    return createHmac('sha256', this.macKey).update(value, 'utf8').digest('hex');
  }

  private newLeaseId(): string {
    for (;;) {
      const id = `lease_${randomBytes(16).toString('base64url')}`;
      if (!this.byId.has(id)) return id;
    }
  }

  private add(lease: Lease): void {
    this.byId.set(lease.leaseId, lease);
    this.byMac.set(lease.mac, lease);
    if (lease.boundPid > 0) {
      let set = this.byPid.get(lease.boundPid);
      if (!set) this.byPid.set(lease.boundPid, (set = new Set()));
      set.add(lease);
    }
    this.startTimer();
  }

  /** Forgets a lease; true when it was still registered (so exactly one caller ends it). */
  private remove(lease: Lease): boolean {
    if (this.byId.get(lease.leaseId) !== lease) return false;
    this.byId.delete(lease.leaseId);
    if (this.byMac.get(lease.mac) === lease) this.byMac.delete(lease.mac);
    const set = this.byPid.get(lease.boundPid);
    if (set) {
      set.delete(lease);
      if (set.size === 0) this.byPid.delete(lease.boundPid);
    }
    if (this.byId.size === 0) this.stopTimer();
    return true;
  }

  /** Ends a lease: forgets it first, then audits the end (best effort: an end is never undone). */
  private async end(lease: Lease, outcome: EndOutcome, peer?: Peer, reason?: string): Promise<void> {
    if (!this.remove(lease)) return;
    const event = this.auditOf(lease, outcome, peer ?? lease.peer);
    if (reason) event.reason = reason;
    try {
      await this.deps.audit.write(event);
    } catch (err) {
      this.deps.log.error(`audit record lost for the ${outcome} lease ${lease.leaseId}: ${(err as Error).message}`);
    }
  }

  private endInBackground(lease: Lease, outcome: EndOutcome, reason?: string): void {
    void this.end(lease, outcome, undefined, reason);
  }

  /**
   * The audit record of a lease event. `peer` is who asked: the issuer for `issued`, the revoker for
   * `revoked`, and the issuer (whose lease it was) for `expired` and `ended`.
   */
  private auditOf(lease: Lease, outcome: 'issued' | EndOutcome, peer: Peer | undefined): AuditEvent {
    const event: AuditEvent = {
      event: 'lease',
      outcome,
      leaseId: lease.leaseId,
      kind: lease.kind,
      fingerprint: lease.fingerprint,
    };
    if (lease.signer !== undefined) event.signer = lease.signer;
    if (lease.boundPid > 0) {
      event.boundPid = lease.boundPid;
      if (lease.boundExe) event.boundExe = lease.boundExe;
    }
    if (peer) event.peer = peer;
    return event;
  }

  private startTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.log.error(`lease sweep failed: ${(err as Error).message}`));
    }, this.pollMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
